// Package access is the domain of gatepass: who may call which published data API, in
// which environment, with which fields and until when. It holds the entities, the
// product rules R1–R17 of SPEC.md, the roles read from verified claims, the check
// decision, and the Service that applies the rules. It imports no AWS package and takes
// a clock, so every rule can be decided and tested at any instant; the DynamoDB store
// and the event publisher satisfy the small interfaces declared here.
package access
