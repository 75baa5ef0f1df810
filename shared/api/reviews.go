package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"gatepass/shared/access"
)

// R28: access reviews. The grant function starts them and takes the decisions (a
// REVOKE writes the grant); the list function reads a review and its report.

func (h *Handler) startReview(ctx context.Context, r *request, a access.Actor) (access.Review, error) {
	var in access.StartReviewInput
	if err := r.decode(&in); err != nil {
		return access.Review{}, err
	}
	return h.svc.StartReview(ctx, a, in)
}

func (h *Handler) decideReviewItem(ctx context.Context, r *request, a access.Actor) (access.ReviewItem, error) {
	id, err := r.param("review_id")
	if err != nil {
		return access.ReviewItem{}, err
	}
	grantID, err := r.param("grant_id")
	if err != nil {
		return access.ReviewItem{}, err
	}
	var in access.DecideInput
	if err := r.decode(&in); err != nil {
		return access.ReviewItem{}, err
	}
	return h.svc.DecideReviewItem(ctx, a, id, grantID, in)
}

func renderReview(status int) func(access.Review) (int, any) {
	return func(rv access.Review) (int, any) { return status, rv }
}

func renderReviewItem(it access.ReviewItem) (int, any) { return http.StatusOK, it }

// reviewReport answers one page of a review's items (JSON, by next_token), or with
// format=csv the whole report as text/csv.
func (h *Handler) reviewReport(ctx context.Context, r *request) (int, any, error) {
	id, err := r.param("review_id")
	if err != nil {
		return 0, nil, err
	}
	format := r.query("format")
	if format != "" && format != "json" && format != "csv" {
		return 0, nil, access.E("review.report", access.CodeInvalid+".Format", "format must be json or csv")
	}
	if format == "csv" {
		if r.query("page_size") != "" || r.query("next_token") != "" {
			return 0, nil, access.E("review.report", access.CodeInvalid+".Format", "format=csv answers the whole report: no page_size or next_token")
		}
		return h.reviewCSV(ctx, r, id)
	}
	size, err := r.queryInt("page_size", access.CodePageSize)
	if err != nil {
		return 0, nil, err
	}
	if size == 0 {
		size = 10 // R15's default
	}
	_, p, err := h.svc.ReviewReport(ctx, r.who, id, size, r.query("next_token"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tokenView[access.ReviewItem]{Items: p.Items, NextToken: p.Next}, nil
}

// csvText is an answer sent as text/csv.
type csvText string

var reviewCSVHeader = []string{"review_id", "grant_id", "resource_type", "resource_id", "subject_type", "subject_id",
	"subject_tenant_id", "env", "end_time", "decision", "outcome", "decided_by", "decided_at", "reason", "cancel_at"}

func (h *Handler) reviewCSV(ctx context.Context, r *request, id string) (int, any, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(reviewCSVHeader)
	next := ""
	for {
		_, p, err := h.svc.ReviewReport(ctx, r.who, id, 100, next)
		if err != nil {
			return 0, nil, err
		}
		for _, it := range p.Items {
			_ = w.Write([]string{it.ReviewID, it.GrantID, string(it.Resource.Type), it.Resource.ID, string(it.Subject.Type),
				it.Subject.ID, it.Subject.TenantID, string(it.Env), csvTime(it.EndTime), string(it.Decision), string(it.Outcome),
				csvCell(it.DecidedBy), csvTime(it.DecidedAt), csvCell(it.Reason), csvTime(it.CancelAt)})
		}
		if next = p.Next; next == "" {
			break
		}
	}
	w.Flush()
	return http.StatusOK, csvText(buf.String()), w.Error()
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// csvCell keeps free text from being read as a formula by a spreadsheet (CSV
// injection): a cell that begins with = + - @ or a control character gets a leading '.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (h *Handler) listReviews(ctx context.Context, r *request) (int, any, error) {
	ws := r.query("workspace_id")
	if ws == "" {
		return 0, nil, access.E("review.list", access.CodeInvalid+".WorkspaceId", "workspace_id is required")
	}
	size, err := r.queryInt("page_size", access.CodePageSize)
	if err != nil {
		return 0, nil, err
	}
	if size == 0 {
		size = 10 // R15's default
	}
	p, err := h.svc.ListReviews(ctx, r.who, ws, size, r.query("next_token"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tokenView[access.Review]{Items: p.Items, NextToken: p.Next}, nil
}
