// Package canonjson gives a JSON text its canonical form, so that two bodies that mean
// the same compare equal: whitespace dropped, object keys sorted, strings re-escaped one
// way, and numbers written as their exact decimal value (1, 1.0, 10e-1 and 1E0 are one
// number; nothing is rounded through float64). An object with a key twice has no single
// meaning and is refused.
package canonjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// ErrDuplicateKey is returned for an object that has the same key twice.
var ErrDuplicateKey = errors.New("canonjson: duplicate key")

// Canonical returns the canonical form of one JSON value. Invalid JSON, trailing data
// and duplicate keys are errors (ErrDuplicateKey for the last).
func Canonical(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	if err := value(dec, &out); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("canonjson: data after the JSON value")
	}
	return out.Bytes(), nil
}

func value(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("canonjson: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return array(dec, out)
		}
		return object(dec, out)
	case string:
		writeString(out, t)
	case json.Number:
		out.WriteString(number(string(t)))
	case bool:
		out.WriteString(strconv.FormatBool(t))
	case nil:
		out.WriteString("null")
	}
	return nil
}

func array(dec *json.Decoder, out *bytes.Buffer) error {
	out.WriteByte('[')
	for i := 0; dec.More(); i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		if err := value(dec, out); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return fmt.Errorf("canonjson: %w", err)
	}
	out.WriteByte(']')
	return nil
}

func object(dec *json.Decoder, out *bytes.Buffer) error {
	members := map[string][]byte{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("canonjson: %w", err)
		}
		key := tok.(string) // the decoder only yields string keys
		if _, dup := members[key]; dup {
			return fmt.Errorf("%w %q", ErrDuplicateKey, key)
		}
		var v bytes.Buffer
		if err := value(dec, &v); err != nil {
			return err
		}
		members[key] = v.Bytes()
	}
	if _, err := dec.Token(); err != nil { // '}'
		return fmt.Errorf("canonjson: %w", err)
	}
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			out.WriteByte(',')
		}
		writeString(out, k)
		out.WriteByte(':')
		out.Write(members[k])
	}
	out.WriteByte('}')
	return nil
}

func writeString(out *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always encodes
	out.Write(b)
}

// number writes a JSON number literal as its exact value: the significant digits with
// no leading or trailing zero, and a decimal exponent when it is not 0 ("15e-1" for
// 1.50, "-2e3" for -2000, "0" for every zero). The exponent is computed on the digits,
// never by converting to a float, so no value is rounded; an exponent too large for an
// int64 is kept as written (no such body means anything else either).
func number(lit string) string {
	s := lit
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, expPart, _ := strings.Cut(strings.ToLower(s), "e")
	exp := int64(0)
	if expPart != "" {
		e, err := strconv.ParseInt(expPart, 10, 64)
		if err != nil {
			return lit
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	exp -= int64(len(frac))
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0"
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += int64(len(digits) - len(trimmed))
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(trimmed)
	if exp != 0 {
		b.WriteByte('e')
		b.WriteString(strconv.FormatInt(exp, 10))
	}
	return b.String()
}
