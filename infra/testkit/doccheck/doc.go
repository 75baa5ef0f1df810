// Package doccheck keeps the contract in docs/ honest. Its tests, which need no
// DynamoDB, check that docs/rules.md has one row per product rule (R1–R24), that every
// function and test a row names exists in the code (or that the rule is marked as not
// yet built), that every test named after a rule is listed in that rule's row, and that
// README.md and docs/*.md link only to files inside the repository.
package doccheck
