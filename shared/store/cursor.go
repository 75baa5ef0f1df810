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
	"gatepass/shared/strictjson"
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
	IPK     string `json:"ip,omitempty"` // the index key, in tokens of the unsharded GSI3 grant listing
	ISK     string `json:"is,omitempty"`
}

// listing names one cursor-paged query of the table: its partition and sort-key prefix.
type listing struct {
	name     string
	pk       string
	skPrefix string
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
	return c, strictjson.Decode(b, &c) == nil
}

func badToken(op string) error {
	return access.E(op, access.CodeNextToken, "next_token was not issued for this listing")
}

func (l listing) encode(item map[string]ddbtypes.AttributeValue) string {
	k := keyOf(item)
	return cursor{Listing: l.name, PK: k.PK, SK: k.SK}.token()
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
	if !ok || c.Listing != l.name || c.PK != l.pk || !strings.HasPrefix(c.SK, l.skPrefix) || c.SK == "" {
		return nil, badToken(op)
	}
	return key{c.PK, c.SK}.av(), nil
}

// checkPageSize enforces R15's 1–100.
func checkPageSize(op string, n int) error {
	if n < 1 || n > 100 {
		return access.E(op, access.CodePageSize, "page_size must be from 1 to 100")
	}
	return nil
}

// queryPage runs in (a query of listing l, from its ExclusiveStartKey) until it has
// pageSize items, and returns them with the token of the next page ("" on the last).
func (s *Store) queryPage(ctx context.Context, op string, l listing, in *dynamodb.QueryInput, pageSize int) ([]map[string]ddbtypes.AttributeValue, string, error) {
	in.Limit = aws.Int32(int32(pageSize)) // items read per request, before any filter
	var found []map[string]ddbtypes.AttributeValue
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, "", dbErr(op, err)
		}
		found = append(found, page.Items...)
		if len(found) >= pageSize {
			if len(found) > pageSize || page.LastEvaluatedKey != nil {
				found = found[:pageSize]
				return found, l.encode(found[pageSize-1]), nil
			}
			break
		}
	}
	return found, "", nil
}
