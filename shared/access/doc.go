// Package access is the domain of gatepass: who may call which published data API, in
// which environment, with which fields and until when. It holds the entities, the
// product rules R1–R29 (each decided in one function whose doc comment begins "R<n>:"),
// the roles read from verified claims, the check decision, and the Service that
// applies the rules. It imports no AWS or HTTP package and takes a clock, so every rule
// can be decided and tested at any instant.
//
// The DynamoDB store satisfies the small ports declared in store.go (one per use).
// access has no publisher port: a change's audit entries are its events, written in
// the change's transaction (the outbox), and the publish job (shared/jobs with
// shared/bus) sends them from the table's stream.
package access
