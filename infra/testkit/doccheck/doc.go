// Package doccheck keeps the contract in docs/ honest. Its tests, which need no
// DynamoDB, check that docs/rules.md has one row per product rule (R1–R29), that every
// function and test a row names exists in the code (or that the rule is marked as not
// yet built), that every test named after a rule is listed in that rule's row, and that
// README.md and docs/*.md link only to files inside the repository, that the README's
// Layout names every top-level and second-level folder, and that every "R1–Rn" in the
// README, docs/ and shared/access names every rule.
package doccheck
