package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// Audit pages through the audit entries of an API (scope "API"), an app ("APP") or a
// unit ("UNIT"), newest first. The log is spread over AuditShards partitions whose sort
// keys (time, then entry id) order all of them: a page reads the next page size + 1
// entries of each partition and merges them. The token is the last entry's sort key,
// bound to this log.
func (s *Store) Audit(ctx context.Context, scope, id string, pageSize int, next string) (access.AuditPage, error) {
	const op = "store.audit"
	if scope != ScopeAPI && scope != ScopeApp && scope != ScopeUnit {
		return access.AuditPage{}, access.E(op, access.Invalid, access.CodeInvalid, "audit scope must be API, APP or UNIT")
	}
	if err := checkPageSize(op, pageSize); err != nil {
		return access.AuditPage{}, err
	}
	log := auditPartition(scope, id)
	before, err := decodeAuditToken(op, log, next)
	if err != nil {
		return access.AuditPage{}, err
	}
	var merged []map[string]ddbtypes.AttributeValue
	floor := "" // entries below the last one read from a partition cut short by the 1 MB limit may be missing
	for _, pk := range auditPartitions(scope, id) {
		kc := keyCond(AttrPK, pk)
		if before != "" {
			kc = kc.And(expression.Key(AttrSK).LessThan(expression.Value(before)))
		}
		in, err := s.queryInput("", kc, nil, false)
		if err != nil {
			return access.AuditPage{}, internal(op, err)
		}
		in.Limit = aws.Int32(int32(pageSize + 1))
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return access.AuditPage{}, dbErr(op, err)
		}
		if res.LastEvaluatedKey != nil && len(res.Items) > 0 && len(res.Items) <= pageSize {
			floor = max(floor, stringAttr(res.Items[len(res.Items)-1], AttrSK))
		}
		merged = append(merged, res.Items...)
	}
	slices.SortFunc(merged, func(a, b map[string]ddbtypes.AttributeValue) int {
		return strings.Compare(stringAttr(b, AttrSK), stringAttr(a, AttrSK))
	})
	more := len(merged) > pageSize
	merged = merged[:min(len(merged), pageSize)]
	if floor != "" {
		for i, it := range merged {
			if stringAttr(it, AttrSK) < floor {
				merged, more = merged[:i], true
				break
			}
		}
	}
	entries, err := decodeAll(op, merged, auditItem.entry)
	if err != nil {
		return access.AuditPage{}, err
	}
	page := access.AuditPage{Items: entries}
	if more && len(merged) > 0 {
		page.Next = encodeAuditToken(log, stringAttr(merged[len(merged)-1], AttrSK))
	}
	return page, nil
}

func encodeAuditToken(log, sk string) string {
	b, _ := json.Marshal(cursor{Listing: "audit", PK: log, SK: sk}) // strings only: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeAuditToken returns the sort key a page continues below; "" for the first page.
func decodeAuditToken(op, log, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	bad := access.E(op, access.Invalid, access.CodeNextToken, "next_token was not issued for this listing")
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Listing != "audit" || c.PK != log || c.SK == "" {
		return "", bad
	}
	return c.SK, nil
}
