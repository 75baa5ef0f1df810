package store

import (
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// ItemWrite is one item of a change's transaction as DynamoDB partitions and bills it:
// the base-table key, what is done to it, its size and, for a Put, the index entries
// the item carries. infra/perf/capacity (the capacity model) counts these per partition, so
// it sees exactly the items Commit would send, keys and all.
type ItemWrite struct {
	PK, SK  string
	Kind    WriteKind
	Bytes   int                  // DynamoDB's item size (names + values); 0 for a Delete or a check
	Indexes map[string][2]string // index name → (PK, SK) of its entry; Puts only
}

// WriteKind is what a transaction item does.
type WriteKind uint8

const (
	WritePut WriteKind = iota
	WriteDelete
	WriteCheck // a ConditionCheck: billed as a write of the item, changes nothing
)

// Footprint plans c as Commit would and returns its items, without writing anything.
func (s *Store) Footprint(c access.Change) ([]ItemWrite, error) {
	items, err := s.plan(c)
	if err != nil {
		return nil, err
	}
	out := make([]ItemWrite, 0, len(items))
	for _, it := range items {
		w := ItemWrite{PK: it.key.PK, SK: it.key.SK}
		switch {
		case it.item.Put != nil:
			w.Kind, w.Bytes, w.Indexes = WritePut, itemSize(it.item.Put.Item), indexEntries(it.item.Put.Item)
		case it.item.Delete != nil:
			w.Kind = WriteDelete
		default:
			w.Kind = WriteCheck
		}
		out = append(out, w)
	}
	return out, nil
}

func indexEntries(item map[string]ddbtypes.AttributeValue) map[string][2]string {
	var out map[string][2]string
	for _, ix := range []struct{ name, pk, sk string }{
		{IndexGSI1, AttrGSI1PK, AttrGSI1SK}, {IndexGSI2, AttrGSI2PK, AttrGSI2SK}, {IndexGSI3, AttrGSI3PK, AttrGSI3SK},
	} {
		pk, ok := item[ix.pk].(*ddbtypes.AttributeValueMemberS)
		if !ok || pk.Value == "" {
			continue
		}
		sk, _ := item[ix.sk].(*ddbtypes.AttributeValueMemberS)
		if out == nil {
			out = map[string][2]string{}
		}
		if sk != nil {
			out[ix.name] = [2]string{pk.Value, sk.Value}
		} else {
			out[ix.name] = [2]string{pk.Value, ""}
		}
	}
	return out
}

// itemSize is DynamoDB's size of an item: attribute names plus values (strings and
// binaries by length, numbers about one byte per two digits plus one, 3 bytes of
// overhead per list or map and 1 per element).
func itemSize(item map[string]ddbtypes.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v ddbtypes.AttributeValue) int {
	switch v := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return len(v.Value)
	case *ddbtypes.AttributeValueMemberN:
		return (len(v.Value)+1)/2 + 1
	case *ddbtypes.AttributeValueMemberB:
		return len(v.Value)
	case *ddbtypes.AttributeValueMemberBOOL, *ddbtypes.AttributeValueMemberNULL:
		return 1
	case *ddbtypes.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *ddbtypes.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	case *ddbtypes.AttributeValueMemberSS:
		n := 0
		for _, e := range v.Value {
			n += len(e)
		}
		return n
	}
	return 1
}
