#!/usr/bin/env python3
"""An interoperability vector for shared/signature, computed apart from the Go code.

Written from the published algorithm (Alibaba Cloud API Gateway, "Use digest
authentication to call an API"; gatepass issue 22), with Python's standard library
only, by someone reading the algorithm rather than signature.go. Run it to regenerate
vector.json:

    python3 shared/signature/testdata/vector.py > shared/signature/testdata/vector.json
"""
import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl

inputs = {
    "method": "POST",
    "path": "/orders/list",
    "query": "size=10&b=&a=x%20y&a=second&flag",
    "headers": {
        "Accept": "application/json",
        "Content-MD5": "kIfLSQHa/3oT4ITzYJ7dpQ==",
        "Content-Type": "application/json; charset=utf-8",
        "date": "",
        "X-Ca-Key": "204000000",
        "x-ca-nonce": "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44",
        "X-Ca-Signature-Method": "HmacSHA256",
        "X-Ca-Timestamp": "1767225600000",
        "X-Custom": "  trimmed on the wire\t",
        "X-Ca-Signature-Headers": "x-ca-timestamp,x-ca-key,x-ca-nonce,x-ca-signature-method,X-Custom,Content-Type",
    },
    "secret": "gatepass-interop-secret-0123456789abcdef",
}


def header(name):
    # HTTP drops the optional whitespace around a field value before a server sees it.
    for k, v in inputs["headers"].items():
        if k.lower() == name.lower():
            return v.strip(" \t")
    return ""


lines = [inputs["method"].upper()]
for h in ("Accept", "Content-MD5", "Content-Type", "Date"):
    lines.append(header(h))
sts = "\n".join(lines) + "\n"

never = {"x-ca-signature", "x-ca-signature-headers", "accept", "content-md5", "content-type", "date"}
names = sorted({n.strip() for n in header("X-Ca-Signature-Headers").split(",") if n.strip() and n.strip().lower() not in never})
for n in names:
    sts += n + ":" + header(n) + "\n"

sts += inputs["path"]
first = {}
for k, v in parse_qsl(inputs["query"], keep_blank_values=True):
    first.setdefault(k, v)
if first:
    sts += "?" + "&".join(k if first[k] == "" else k + "=" + first[k] for k in sorted(first))

for method, algo in (("HmacSHA256", hashlib.sha256), ("HmacSHA1", hashlib.sha1)):
    inputs.setdefault("signatures", {})[method] = base64.b64encode(
        hmac.new(inputs["secret"].encode(), sts.encode(), algo).digest()).decode()

inputs["string_to_sign"] = sts
print(json.dumps(inputs, indent=2))
