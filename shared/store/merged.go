package store

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A mergedListing is one log spread over several partitions, of the table or of an
// index, whose sort keys are unique across them and order all of them: an audit log
// over its shards, a resource's grants over GSI3's. A page reads the next page size + 1
// entries of each partition below the token and merges them newest first. The token
// is the last sort key returned, bound to the listing's name and its unsharded
// partition (log).
type mergedListing struct {
	name       string
	log        string
	index      *gsi // the partition and sort key attributes; tableKeys for the table
	partitions []string
}

// pageOf reads one page of l and decodes its items with conv (decodeAll), with the
// token of the next page.
func pageOf[T, R any](ctx context.Context, s *Store, op string, l mergedListing, pageSize int, next string, conv func(T) (R, error)) ([]R, string, error) {
	items, tok, err := l.page(ctx, s, op, pageSize, next)
	if err != nil {
		return nil, "", err
	}
	out, err := decodeAll(op, items, conv)
	if err != nil {
		return nil, "", err
	}
	return out, tok, nil
}

// page reads one page of l, newest first, and the token of the next page ("" when none
// is left).
func (l mergedListing) page(ctx context.Context, s *Store, op string, pageSize int, next string) ([]map[string]ddbtypes.AttributeValue, string, error) {
	if err := checkPageSize(op, pageSize); err != nil {
		return nil, "", err
	}
	before, err := l.decode(op, next)
	if err != nil {
		return nil, "", err
	}
	sk := func(item map[string]ddbtypes.AttributeValue) string { return stringAttr(item, l.index.sk) }
	var merged []map[string]ddbtypes.AttributeValue
	floor := "" // entries below the last one read from a partition cut short by the 1 MB limit may be missing
	for _, pk := range l.partitions {
		kc := keyCond(l.index.pk, pk)
		if before != "" {
			kc = kc.And(expression.Key(l.index.sk).LessThan(expression.Value(before)))
		}
		in, err := s.queryInput(l.index.name, kc, nil, false)
		if err != nil {
			return nil, "", internal(op, err)
		}
		in.Limit = aws.Int32(int32(pageSize + 1))
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", dbErr(op, err)
		}
		if res.LastEvaluatedKey != nil && len(res.Items) > 0 && len(res.Items) <= pageSize {
			floor = max(floor, sk(res.Items[len(res.Items)-1]))
		}
		merged = append(merged, res.Items...)
	}
	slices.SortFunc(merged, func(a, b map[string]ddbtypes.AttributeValue) int {
		return strings.Compare(sk(b), sk(a))
	})
	more := len(merged) > pageSize
	merged = merged[:min(len(merged), pageSize)]
	if floor != "" {
		for i, it := range merged {
			if sk(it) < floor {
				merged, more = merged[:i], true
				break
			}
		}
	}
	if !more || len(merged) == 0 {
		return merged, "", nil
	}
	return merged, l.encode(sk(merged[len(merged)-1])), nil
}

func (l mergedListing) encode(sk string) string {
	return cursor{Listing: l.name, PK: l.log, SK: sk}.token()
}

// decode returns the sort key a page continues below; "" for the first page. A token
// of the one-partition index listing that l replaced (listing.encode's, whose index
// partition was l.log) goes on below its index sort key, so paging survives the change.
func (l mergedListing) decode(op, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	c, ok := parseCursor(token)
	switch {
	case !ok || c.Listing != l.name:
	case c.IPK == "" && c.PK == l.log && c.SK != "":
		return c.SK, nil
	case l.index != tableKeys && c.IPK == l.log && c.ISK != "":
		return c.ISK, nil
	}
	return "", badToken(op)
}
