// Package store is the DynamoDB single-table adapter of gatepass: the table definition,
// every key format (keys.go), the item types, one transaction per change, and one file
// per access pattern. It satisfies the interfaces that package access declares.
package store
