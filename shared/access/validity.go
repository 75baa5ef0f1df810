package access

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// ValidityType is how long a grant lasts.
type ValidityType string

const (
	Unlimited ValidityType = "UNLIMITED"
	Limited   ValidityType = "LIMITED"
)

// Day presets offered by user interfaces (R2); any 1–3650 is accepted.
var ValidityPresets = []int{30, 90, 180}

const (
	minDays = 1
	maxDays = 3650
	// The latest end time accepted, 9999-12-31T23:59:59Z: RFC 3339 has four-digit years.
	maxUnix = 253402300799
)

// Validity is R2's input: unlimited, limited by an end time, or limited by a number of
// days counted from the moment of the grant, renewal or approval.
type Validity struct {
	Type    ValidityType `json:"type"`
	EndTime *time.Time   `json:"end_time,omitempty"`
	Days    *int         `json:"days,omitempty"`
}

// UnmarshalJSON takes end_time as an RFC 3339 string or as UNIX seconds (DataWorks'
// EndTime) and rejects everything else with InvalidParameter.Validity.
func (v *Validity) UnmarshalJSON(b []byte) error {
	const op = "validity.decode"
	// Keys are matched exactly: encoding/json alone would take "Days" for "days" and
	// let a typo pass as an UNLIMITED validity.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return invalid(op, CodeValidity, "validity must be an object with a type")
	}
	var raw struct {
		Type    *string
		EndTime json.RawMessage
		Days    json.RawMessage
	}
	for k, v := range fields {
		switch k {
		case "type":
			if present(v) {
				var t string
				if json.Unmarshal(v, &t) != nil {
					return invalid(op, CodeValidity, "validity.type must be UNLIMITED or LIMITED")
				}
				raw.Type = &t
			}
		case "end_time":
			raw.EndTime = v
		case "days":
			raw.Days = v
		default:
			return invalid(op, CodeValidity, "validity takes type, end_time and days; not %q", k)
		}
	}
	if raw.Type == nil {
		return invalid(op, CodeValidity, "validity.type is required (UNLIMITED or LIMITED)")
	}
	out := Validity{Type: ValidityType(*raw.Type)}
	if present(raw.EndTime) {
		t, err := decodeTime(raw.EndTime)
		if err != nil {
			return invalid(op, CodeValidity, "validity.end_time must be an RFC 3339 time or UNIX seconds")
		}
		out.EndTime = &t
	}
	if present(raw.Days) {
		n, err := strconv.Atoi(string(raw.Days))
		if err != nil {
			return invalid(op, CodeValidity, "validity.days must be an integer from %d to %d", minDays, maxDays)
		}
		out.Days = &n
	}
	*v = out
	return nil
}

// MarshalJSON writes the end time as RFC 3339 in UTC.
func (v Validity) MarshalJSON() ([]byte, error) {
	type plain struct {
		Type    ValidityType `json:"type"`
		EndTime *string      `json:"end_time,omitempty"`
		Days    *int         `json:"days,omitempty"`
	}
	p := plain{Type: v.Type, Days: v.Days}
	if v.EndTime != nil {
		s := v.EndTime.UTC().Format(time.RFC3339)
		p.EndTime = &s
	}
	return json.Marshal(p)
}

func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

func decodeTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return time.Parse(time.RFC3339, s)
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || f < 0 || f > maxUnix {
		return time.Time{}, strconv.ErrSyntax
	}
	return time.Unix(int64(f), 0).UTC(), nil
}

// Validate checks the shape of v without a clock (R2).
func (v Validity) Validate() error {
	const op = "validity"
	switch v.Type {
	case Unlimited:
		if v.EndTime != nil || v.Days != nil {
			return invalid(op, CodeValidity, "an UNLIMITED validity takes neither end_time nor days")
		}
	case Limited:
		switch {
		case v.EndTime != nil && v.Days != nil:
			return invalid(op, CodeValidity, "a LIMITED validity takes end_time or days, not both")
		case v.EndTime == nil && v.Days == nil:
			return invalid(op, CodeValidity, "a LIMITED validity needs end_time or days")
		case v.Days != nil && (*v.Days < minDays || *v.Days > maxDays):
			return invalid(op, CodeValidity, "validity.days must be from %d to %d", minDays, maxDays)
		case v.EndTime != nil && v.EndTime.Unix() > maxUnix:
			return invalid(op, CodeValidity, "validity.end_time is too far in the future")
		}
	default:
		return invalid(op, CodeValidity, "validity.type must be UNLIMITED or LIMITED")
	}
	return nil
}

// R2: End resolves v at now: nil for unlimited, else the end time, which must lie in
// the future. Days count from now, the moment of the grant, renewal or approval.
func (v Validity) End(now time.Time) (*time.Time, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	if v.Type == Unlimited {
		return nil, nil
	}
	var end time.Time
	if v.Days != nil {
		end = now.Add(time.Duration(*v.Days) * 24 * time.Hour)
	} else {
		end = *v.EndTime
	}
	end = end.UTC().Truncate(time.Second)
	if !end.After(now) {
		return nil, invalid("validity", CodeValidity, "validity.end_time must lie in the future")
	}
	return &end, nil
}

// Extends reports whether next is later than cur, unlimited (nil) being the latest (R6):
// unlimited→limited shortens, unlimited→unlimited does not extend.
func Extends(cur, next *time.Time) bool {
	switch {
	case cur == nil:
		return false
	case next == nil:
		return true
	default:
		return next.After(*cur)
	}
}
