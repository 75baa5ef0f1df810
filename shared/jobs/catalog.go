package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
	"gatepass/shared/strictjson"
)

// Catalog events of the data-service platform (SPEC.md "Events").
const (
	CatalogSource      = "dataservice.catalog"
	CatalogPublished   = "API Published"
	CatalogUnpublished = "API Unpublished"
	CatalogDeleted     = "API Deleted"
	// CatalogSub is the sub of the system actor that applies catalog events: a
	// tenant_admin of the event's tenant, so that the audit names who changed the API.
	CatalogSub = "dataservice.catalog"
)

// Catalog applies the platform's catalog events through the same Service calls as the
// HTTP routes (PutAPI, DeleteAPI), so R4 and R5 follow as they do there.
type Catalog struct {
	Service *access.Service
	Log     *slog.Logger
}

// catalogDetail is an event's detail: the API as PUT /v1/apis/{api_id} takes it (for
// API Published) plus its id and tenant.
type catalogDetail struct {
	access.APIInput
	APIID    string `json:"api_id"`
	TenantID string `json:"tenant_id"`
}

// errDrop marks an event that no retry can apply: it is logged and dropped.
var errDrop = errors.New("dropped")

// Handle applies one catalog event. The event's id is the Idempotency-Key of the change
// it makes (scope: its tenant and CatalogSub), so a redelivered event changes nothing
// twice. An event that can never apply (another source, an unknown type, a malformed
// detail, an unknown tenant or API) is logged and dropped with a nil error, so that it
// does not come back in a retry storm; a store that is unavailable, throttled or in a
// conflicting transaction returns the error, so the event is retried and, in the end,
// goes to the dead-letter queue.
func (h *Catalog) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	log := logger(ctx, h.Log, "catalogevents").With("event_id", ev.ID, "source", ev.Source, "detail_type", ev.DetailType)
	err := h.apply(ctx, log, ev)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errDrop):
		log.Warn("catalog event dropped", "reason", err.Error())
		return nil
	}
	switch access.ErrorKind(err) {
	case access.Invalid, access.NotFound, access.Forbidden:
		log.Warn("catalog event dropped", "error_code", access.ErrorCode(err), "reason", err.Error())
		return nil
	case access.Conflict:
		if !access.IsCode(err, access.CodeConcurrent) && !access.IsCode(err, access.CodeRequestInProgress) {
			log.Warn("catalog event dropped", "error_code", access.ErrorCode(err), "reason", err.Error())
			return nil
		}
	}
	log.Error("catalog event failed; it will be retried", "error_code", access.ErrorCode(err), "error", err.Error())
	return err
}

func (h *Catalog) apply(ctx context.Context, log *slog.Logger, ev events.EventBridgeEvent) error {
	if ev.Source != CatalogSource {
		return dropf("source %q is not %s", ev.Source, CatalogSource)
	}
	var d catalogDetail
	// Keys exactly as events.md spells them: a producer may add keys, but "API_ID"
	// must not stand in for api_id, nor a key come twice.
	if err := strictjson.DecodeEnvelope(ev.Detail, &d); err != nil {
		return dropf("malformed detail: %v", err)
	}
	if err := access.CheckID("catalog", "api_id", d.APIID); err != nil {
		return dropf("malformed detail: %v", err)
	}
	if d.TenantID == "" || len(d.TenantID) > access.MaxIDLen {
		return dropf("malformed detail: tenant_id is required")
	}
	log = log.With("api_id", d.APIID, "tenant_id", d.TenantID)
	a := access.Actor{Principal: access.NewPrincipal(CatalogSub, d.TenantID, access.RoleTenantAdmin)}
	if ev.ID != "" {
		sum := sha256.Sum256(append([]byte(ev.DetailType+"\x00"), ev.Detail...))
		hash := hex.EncodeToString(sum[:])
		if done, err := h.replayed(ctx, a.Principal, ev.ID, hash); done || err != nil {
			if done {
				log.Info("catalog event already applied")
			}
			return err
		}
		a.Idem = &access.Idem{Key: ev.ID, Hash: hash, Render: func(any) ([]byte, error) { return nil, nil }}
	}
	err := h.dispatch(ctx, log, a, ev.DetailType, d)
	if err != nil && a.Idem != nil && access.IsCode(err, access.CodeRequestInProgress) {
		// A concurrent delivery of the same event committed first: its change is ours.
		if done, rerr := h.replayed(ctx, a.Principal, a.Idem.Key, a.Idem.Hash); done || rerr != nil {
			return rerr
		}
	}
	return err
}

func (h *Catalog) dispatch(ctx context.Context, log *slog.Logger, a access.Actor, detailType string, d catalogDetail) error {
	switch detailType {
	case CatalogPublished:
		res, err := h.Service.PutAPI(ctx, a, d.APIID, d.APIInput)
		if err == nil {
			log.Info("catalog API registered", "created", res.Created, "status", res.API.Status, "version", res.API.Version)
		}
		return err
	case CatalogUnpublished:
		api, err := h.Service.GetAPI(ctx, a.Principal, d.APIID)
		if err != nil {
			return err
		}
		if api.Status == access.APIUnpublished {
			log.Info("catalog API already unpublished")
			return nil
		}
		in := access.APIInput{
			WorkspaceID: api.WorkspaceID, Name: api.Name, Path: api.Path, GroupID: api.GroupID,
			Protocols: api.Protocols, Fields: api.Fields, Operation: api.Operation, RowLevel: api.RowLevel,
			Status: access.APIUnpublished, ServiceUnitID: api.ServiceUnitID, // unpublished inside its unit (R23)
		}
		if _, err := h.Service.PutAPI(ctx, a, d.APIID, in); err != nil {
			return err
		}
		log.Info("catalog API unpublished")
		return nil
	case CatalogDeleted:
		if err := h.Service.DeleteAPI(ctx, a, d.APIID); err != nil {
			return err
		}
		log.Info("catalog API deleted")
		return nil
	}
	return dropf("detail type %q is not handled", detailType)
}

// replayed reports whether the event was applied already (its idempotency record
// exists with the same content); a record for different content is dropped.
func (h *Catalog) replayed(ctx context.Context, p access.Principal, key, hash string) (bool, error) {
	_, found, err := h.Service.Replay(ctx, p, key, hash)
	if access.IsCode(err, access.CodeIdempotencyReuse) {
		return false, dropf("event id %s was applied before with another detail", key)
	}
	return found, err
}

type dropError struct{ msg string }

func (e *dropError) Error() string   { return e.msg }
func (e *dropError) Is(t error) bool { return t == errDrop }

func dropf(format string, args ...any) error {
	return &dropError{msg: fmt.Sprintf(format, args...)}
}
