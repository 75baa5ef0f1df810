package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
	"gatepass/shared/strictjson"
)

// MaxDueSpan bounds how far back Due looks: one query per bucket of each day, so a from
// long before to (a job that never ran) is clamped to to minus this span.
const MaxDueSpan = 400 * 24 * time.Hour

// dueWindow clamps [from, to] to MaxDueSpan; ok is false when it is empty.
func dueWindow(from, to time.Time) (time.Time, time.Time, bool) {
	from, to = from.UTC(), to.UTC()
	if to.Sub(from) > MaxDueSpan {
		from = to.Add(-MaxDueSpan)
	}
	return from, to, !to.Before(from)
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// dueQuery reads one bucket's items due in [from, to] in due order, after the item
// whose index key is start (nil: from the first), handing each to fn with its key.
func (s *Store) dueQuery(ctx context.Context, op, bucket string, from, to time.Time, start map[string]ddbtypes.AttributeValue, limit int,
	fn func(access.DueItem, map[string]ddbtypes.AttributeValue) error) error {
	lo := expression.Value(fmtSortTime(from))
	hi := expression.Value(fmtSortTime(to) + dueUpper)
	kc := keyCond(AttrGSI2PK, bucket).And(expression.Key(AttrGSI2SK).Between(lo, hi))
	in, err := s.queryInput(IndexGSI2, kc, nil, true)
	if err != nil {
		return internal(op, err)
	}
	in.ExclusiveStartKey = start
	if limit > 0 {
		in.Limit = aws.Int32(int32(limit))
	}
	err = s.queryAll(ctx, op, in, func(item map[string]ddbtypes.AttributeValue) error {
		d, ok, err := dueItem(op, item)
		if err != nil || !ok {
			return err
		}
		return fn(d, item)
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// Due lists the grants and cleanup tasks due in [from, to], oldest first, at most limit
// (limit < 1: all). It queries every bucket (the shards) of each day from from to to
// for sort keys between from and to, so it reads only due items, and merges each day's
// buckets by due time; with a limit it may read up to one limit per bucket. The jobs
// page with DuePage, which reads only what it returns.
func (s *Store) Due(ctx context.Context, from, to time.Time, limit int) ([]access.DueItem, error) {
	const op = "store.due"
	from, to, ok := dueWindow(from, to)
	if !ok {
		return nil, nil
	}
	var out []access.DueItem
	for day := startOfDay(from); !day.After(to); day = day.AddDate(0, 0, 1) {
		type due struct {
			sk string
			it access.DueItem
		}
		var today []due
		for _, b := range dueBuckets(day) {
			n := 0
			err := s.dueQuery(ctx, op, b, from, to, nil, max(limit, 0), func(d access.DueItem, item map[string]ddbtypes.AttributeValue) error {
				sk, _ := item[AttrGSI2SK].(*ddbtypes.AttributeValueMemberS)
				today = append(today, due{sk.Value, d})
				if n++; limit > 0 && n >= limit {
					return errStop
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		slices.SortFunc(today, func(a, b due) int { return strings.Compare(a.sk, b.sk) })
		for _, d := range today {
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
			out = append(out, d.it)
		}
	}
	return out, nil
}

// dueCursor is where DuePage stopped: a day, a bucket of it, the last item's index key.
type dueCursor struct {
	Day    string            `json:"d"`
	Bucket int               `json:"b"`
	Last   map[string]string `json:"k,omitempty"`
}

// DuePage lists up to limit items due in [from, to] (limit < 1: 100), bucket by bucket
// (days in order, each day's shards in order, each bucket in due order), and the cursor
// to pass back for the next page; next is empty when nothing is left. Every item read
// is returned, so a sweep reads one item per due item however many shards there are.
// A cursor that DuePage did not issue is InvalidParameter.NextToken.
func (s *Store) DuePage(ctx context.Context, from, to time.Time, limit int, cursor string) ([]access.DueItem, string, error) {
	const op = "store.due_page"
	if limit < 1 {
		limit = 100
	}
	from, to, ok := dueWindow(from, to)
	if !ok {
		return nil, "", nil
	}
	at := dueCursor{Day: startOfDay(from).Format(time.DateOnly)}
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || strictjson.Decode(b, &at) != nil || at.Bucket < 0 || at.Bucket > DueShards {
			return nil, "", access.E(op, access.CodeNextToken, "the due cursor was not issued by DuePage")
		}
	}
	day, err := time.Parse(time.DateOnly, at.Day)
	if err != nil {
		return nil, "", access.E(op, access.CodeNextToken, "the due cursor was not issued by DuePage")
	}
	var out []access.DueItem
	for ; !day.After(to); day, at.Bucket, at.Last = day.AddDate(0, 0, 1), 0, nil {
		buckets := dueBuckets(day)
		for ; at.Bucket < len(buckets); at.Bucket, at.Last = at.Bucket+1, nil {
			var start map[string]ddbtypes.AttributeValue
			for k, v := range at.Last {
				if start == nil {
					start = map[string]ddbtypes.AttributeValue{}
				}
				start[k] = &ddbtypes.AttributeValueMemberS{Value: v}
			}
			err := s.dueQuery(ctx, op, buckets[at.Bucket], from, to, start, limit-len(out), func(d access.DueItem, item map[string]ddbtypes.AttributeValue) error {
				out = append(out, d)
				if len(out) < limit {
					return nil
				}
				at.Last = map[string]string{}
				for _, a := range []string{AttrPK, AttrSK, AttrGSI2PK, AttrGSI2SK} {
					v, _ := item[a].(*ddbtypes.AttributeValueMemberS)
					at.Last[a] = v.Value
				}
				return errStop
			})
			if err != nil {
				return nil, "", err
			}
			if len(out) >= limit {
				at.Day = day.Format(time.DateOnly)
				b, err := json.Marshal(at)
				if err != nil {
					return nil, "", internal(op, err)
				}
				return out, base64.RawURLEncoding.EncodeToString(b), nil
			}
		}
	}
	return out, "", nil
}

// errStop ends a query early once limit items are found.
var errStop = errors.New("store: enough due items")

func dueItem(op string, item map[string]ddbtypes.AttributeValue) (access.DueItem, bool, error) {
	switch itemType(item) {
	case TypeGrant:
		g, err := decode(op, item, grantItem.grant)
		return access.DueItem{Grant: &g}, err == nil, err
	case TypeCleanup:
		c, err := decode(op, item, cleanupItem.task)
		return access.DueItem{Cleanup: &c}, err == nil, err
	case TypeRequestDue:
		r, err := decode(op, item, requestItem.request)
		return access.DueItem{Request: &r}, err == nil, err
	case TypeReview:
		r, err := decode(op, item, reviewItem.review)
		return access.DueItem{Review: &r}, err == nil, err
	}
	return access.DueItem{}, false, nil
}
