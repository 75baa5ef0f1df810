package access

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"github.com/oklog/ulid/v2"
)

// Service applies the rules of SPEC.md on top of a Store. Handlers (shared/api,
// shared/jobs) decode and authenticate; the Service decides and writes.
type Service struct {
	Store  Store
	Config // read-only once built; NewService fills in the defaults

	hints hints      // what a check's batch should read, confirmed by it
	cache checkCache // when MaxStaleness is set: the items checks read, with when
}

// Config is what a Service needs besides the store.
type Config struct {
	Now          Clock
	CancelNotice time.Duration // R7; 0 makes API-side cancellations immediate
	ReminderDays []int         // R16 thresholds, largest first
	RolesFormat  RolesFormat   // how the roles claim arrives (ParseRoles); default RolesFlattened

	// MaxStaleness: 0 reads every item a check decides on during the call; above 0, a
	// check may answer from items this container read less than MaxStaleness ago. It is
	// CHECK_MAX_STALENESS (the bounded mode) or CHECK_COMMIT_WAIT (strict, as every
	// change waits it out), whichever is set (SPEC "Consistency").
	MaxStaleness time.Duration
	// CommitWait is CHECK_COMMIT_WAIT: a change to what a check reads is answered only
	// after this long, once every check container's copy of what it changed has expired.
	CommitWait time.Duration
	// Wait pauses for CommitWait (tests and the capacity model pass their own clock's);
	// default: a timer bound to ctx.
	Wait func(ctx context.Context, d time.Duration) error
	// Sealer keeps AppSecrets encrypted at rest (nil: no AppKeys can be made); Signing
	// is how signed calls are verified (zero: DefaultSigning).
	Sealer  Sealer
	Signing SigningPolicy
}

// NewService builds a Service; a nil clock is time.Now.
func NewService(st Store, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RolesFormat == "" {
		cfg.RolesFormat = RolesFlattened
	}
	if cfg.Wait == nil {
		cfg.Wait = sleep
	}
	if cfg.Signing.Window <= 0 {
		cfg.Signing.Window = DefaultSigning.Window
	}
	return &Service{Store: st, Config: cfg}
}

// Actor is the caller of a mutating operation: who, and the request's Idempotency-Key
// and If-Match precondition.
type Actor struct {
	Principal
	Idem    *Idem
	IfMatch int64 // the version the caller last saw; 0 = no precondition
}

// Idem carries an Idempotency-Key into a change. Render encodes what the caller will be
// answered for the change's result, as its adapter answers (shared/api: the HTTP status
// and body); access stores it in the change's transaction and replays it for a retry
// (R17) without reading it.
type Idem struct {
	Key    string
	Hash   string
	Render func(result any) ([]byte, error)
}

// Replay returns the answer recorded for the principal's Idempotency-Key (R17), as the
// adapter rendered it; found is false when there is none. A key recorded for another
// request (hash) is InvalidParameter.IdempotencyKeyReuse.
func (s *Service) Replay(ctx context.Context, p Principal, key, hash string) (answer []byte, found bool, err error) {
	rec, err := s.Store.GetIdempotency(ctx, p.TenantID, p.Sub, key)
	switch {
	case ErrorKind(err) == NotFound:
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case rec.RequestHash != hash:
		return nil, false, E("idempotency", CodeIdempotencyReuse,
			"Idempotency-Key %q was used for a different request", key)
	}
	if err := s.waitOutReplay(ctx, rec.CreatedAt); err != nil {
		return nil, false, err
	}
	return rec.Answer, true, nil
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// newID returns a sortable id (ULID) taken at now.
func newID(now time.Time) string {
	return ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()).String()
}

// newSecret returns 32 random bytes, hex-encoded: an AppCode.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// R17: commit writes c, with its audit entries (the events), and the idempotency
// record of the answer a's adapter renders from result, in one transaction.
func (s *Service) commit(ctx context.Context, a Actor, c Change, result any) error {
	if a.Idem != nil && a.Idem.Key != "" && a.Idem.Render != nil {
		ans, err := a.Idem.Render(result)
		if err != nil {
			return Wrap(c.Op, CodeInternal, err)
		}
		c.Idem = &IdempotencyRecord{
			TenantID: a.TenantID, Sub: a.Sub, Key: a.Idem.Key, RequestHash: a.Idem.Hash,
			Answer: ans, CreatedAt: s.now(),
		}
	}
	if err := s.Store.Commit(ctx, c); err != nil {
		return withOp(c.Op, err)
	}
	return s.waitOut(ctx, c)
}

// withOp fills in the operation of a store error that has none.
func withOp(op string, err error) error {
	if e, ok := err.(*Error); ok && e.Op == "" {
		c := *e
		c.Op = op
		return &c
	}
	return err
}

// audit builds an audit entry for a change to grant g.
func grantAudit(action string, g Grant, actor, reason string, now time.Time) AuditEntry {
	sub, res := g.Subject, g.On()
	return AuditEntry{
		ID: newID(now), Action: action, At: now, TenantID: g.TenantID, Actor: actor,
		APIID: g.APIID, Resource: &res, GrantID: g.ID, Subject: &sub, Env: g.Env, StartTime: g.StartTime, EndTime: g.EndTime,
		CancelAt: g.CancelAt, Permissions: slices.Clone(g.Permissions), Reason: reason,
	}
}

// checkIfMatch enforces an If-Match precondition (412).
func checkIfMatch(op string, a Actor, version int64) error {
	if a.IfMatch != 0 && a.IfMatch != version {
		return E(op, CodePrecondition, "version %d is not current (current: %d)", a.IfMatch, version)
	}
	return nil
}

// Settings returns the configuration the service runs with (defaults filled in): the
// HTTP layer reads its clock and roles format through it.
func (s *Service) Settings() Config { return s.Config }
