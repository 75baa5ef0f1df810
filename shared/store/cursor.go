package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// A cursor is the LastEvaluatedKey of a base-table query, as an opaque next_token
// (base64url JSON). It is bound to the listing it was issued for: the listing's name,
// its partition and its sort-key prefix are checked on the way back in, so a forged
// or foreign token is InvalidParameter.NextToken and never reads another partition.
// A mergedListing's token is a cursor too.
type cursor struct {
	Listing string `json:"l"`
	PK      string `json:"p"`
	SK      string `json:"s"`
	IPK     string `json:"ip,omitempty"` // index listings: the index key too
	ISK     string `json:"is,omitempty"`
}

// listing names one cursor-paged query: its partition and sort-key prefix, on the table
// or on an index (then tablePK is the table partition every item of it lives in).
type listing struct {
	name     string
	pk       string
	skPrefix string
	index    *gsi
	tablePK  string
}

// gsi names an index and its key attributes.
type gsi struct{ name, pk, sk string }

var gsi3 = &gsi{IndexGSI3, AttrGSI3PK, AttrGSI3SK}

// tableKeys names the table's own keys where a listing takes an index.
var tableKeys = &gsi{"", AttrPK, AttrSK}

func (c cursor) token() string {
	b, _ := json.Marshal(c) // strings only: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseCursor reads a token; a token that does not parse is, like one that parses but
// names another listing, badToken.
func parseCursor(token string) (cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return cursor{}, false
	}
	var c cursor
	return c, json.Unmarshal(b, &c) == nil
}

func badToken(op string) error {
	return access.E(op, access.Invalid, access.CodeNextToken, "next_token was not issued for this listing")
}

func (l listing) encode(item map[string]ddbtypes.AttributeValue) string {
	k := keyOf(item)
	c := cursor{Listing: l.name, PK: k.PK, SK: k.SK}
	if l.index != nil {
		c.IPK, c.ISK = stringAttr(item, l.index.pk), stringAttr(item, l.index.sk)
	}
	return c.token()
}

func stringAttr(item map[string]ddbtypes.AttributeValue, name string) string {
	if v, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// decode returns the ExclusiveStartKey of token; nil for an empty token.
func (l listing) decode(op, token string) (map[string]ddbtypes.AttributeValue, error) {
	if token == "" {
		return nil, nil
	}
	c, ok := parseCursor(token)
	bad := badToken(op)
	if !ok {
		return nil, bad
	}
	if l.index != nil {
		if c.Listing != l.name || c.IPK != l.pk || c.PK != l.tablePK || c.SK == "" || c.ISK == "" {
			return nil, bad
		}
		start := key{c.PK, c.SK}.av()
		start[l.index.pk] = &ddbtypes.AttributeValueMemberS{Value: c.IPK}
		start[l.index.sk] = &ddbtypes.AttributeValueMemberS{Value: c.ISK}
		return start, nil
	}
	if c.Listing != l.name || c.PK != l.pk || !strings.HasPrefix(c.SK, l.skPrefix) || c.SK == "" {
		return nil, bad
	}
	return key{c.PK, c.SK}.av(), nil
}

// query is the key condition PK = l.pk AND begins_with(SK, l.skPrefix).
func (l listing) query(s *Store, scanForward bool) (*dynamodb.QueryInput, error) {
	if l.index != nil {
		return s.queryInput(l.index.name, keyCond(l.index.pk, l.pk), nil, scanForward)
	}
	kc := keyCond(AttrPK, l.pk)
	if l.skPrefix != "" {
		kc = kc.And(keyPrefix(AttrSK, l.skPrefix))
	}
	return s.queryInput("", kc, nil, scanForward)
}

// checkPageSize enforces R15's 1–100.
func checkPageSize(op string, n int) error {
	if n < 1 || n > 100 {
		return access.E(op, access.Invalid, access.CodePageSize, "page_size must be from 1 to 100")
	}
	return nil
}

// page reads one page of a listing: up to pageSize items from the token on, and the
// token of the next page, empty when none is left. It asks for one item more than it
// returns, so the last page carries no token that leads to an empty page.
func (s *Store) page(ctx context.Context, op string, l listing, scanForward bool, pageSize int, next string) ([]map[string]ddbtypes.AttributeValue, string, error) {
	if err := checkPageSize(op, pageSize); err != nil {
		return nil, "", err
	}
	start, err := l.decode(op, next)
	if err != nil {
		return nil, "", err
	}
	in, err := l.query(s, scanForward)
	if err != nil {
		return nil, "", internal(op, err)
	}
	in.ExclusiveStartKey = start
	in.Limit = aws.Int32(int32(pageSize + 1))
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", dbErr(op, err)
	}
	items := res.Items
	switch {
	case len(items) > pageSize:
		items = items[:pageSize]
		return items, l.encode(items[pageSize-1]), nil
	case res.LastEvaluatedKey != nil: // the 1 MB limit cut the page short
		return items, l.encode(res.LastEvaluatedKey), nil
	}
	return items, "", nil
}
