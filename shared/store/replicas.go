package store

import (
	"maps"
	"math/rand/v2"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// replicas is how many copies the store keeps of the item a write carries: API and
// app items and lookups, the items every check or authorization reads.
func (s *Store) replicas(w access.Write) int {
	switch {
	case w.API != nil:
		return s.copies.API
	case w.App != nil:
		return s.copies.App
	case w.Lookup != nil:
		return s.copies.Lookup
	}
	return 0
}

// spread returns the transaction items of write w, built as it: a copied item is put
// or deleted with all its copies (unconditionally: the item's own condition decides for
// all of them, and the transaction makes them one write, so no copy can ever differ from
// the item), and a condition check on an API goes to one of the copies the item was
// written with, so that the checks of a busy API's grant changes do not all land on one
// item (docs/capacity.md). An API item written before copies existed (Replicas 0) is
// checked itself.
func (s *Store) spread(w access.Write, it txItem) []txItem {
	n := s.replicas(w)
	switch {
	case n == 0:
		return []txItem{it}
	case it.item.Put != nil:
		if w.API != nil { // the item records how many copies it was written with
			it.item.Put.Item[attrReplicas] = &ddbtypes.AttributeValueMemberN{Value: strconv.Itoa(n)}
		}
		out := []txItem{it}
		for i := range n {
			k := replicaKey(it.key, i)
			av := maps.Clone(it.item.Put.Item)
			for _, a := range []string{AttrGSI1PK, AttrGSI1SK, AttrGSI2PK, AttrGSI2SK, AttrGSI3PK, AttrGSI3SK} {
				delete(av, a) // a copy is never listed
			}
			av[AttrPK] = &ddbtypes.AttributeValueMemberS{Value: k.PK}
			av[AttrSK] = &ddbtypes.AttributeValueMemberS{Value: k.SK}
			av[AttrType] = &ddbtypes.AttributeValueMemberS{Value: TypeReplica}
			out = append(out, txItem{key: k, item: ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String(s.table), Item: av}}})
		}
		return out
	case it.item.Delete != nil:
		out := []txItem{it}
		for i := range n {
			k := replicaKey(it.key, i)
			out = append(out, txItem{key: k, item: ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{TableName: aws.String(s.table), Key: k.av()}}})
		}
		return out
	case it.item.ConditionCheck != nil && w.API != nil && w.API.Replicas > 0:
		k := apiReplicaKey(w.API.ID, rand.IntN(w.API.Replicas))
		cc := *it.item.ConditionCheck
		cc.Key = k.av()
		it.key, it.item.ConditionCheck = k, &cc
	}
	return []txItem{it}
}

// attrReplicas is the API item's count of the copies written with it.
const attrReplicas = "replicas"

// readCopy is a copy of the item at k chosen at random among its n copies.
func readCopy(k key, n int) key { return replicaKey(k, rand.IntN(n)) }
