package access

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzValidityJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"UNLIMITED"}`, `{"type":"LIMITED","days":30}`, `{"type":"LIMITED","days":3651}`,
		`{"type":"LIMITED","end_time":"2027-01-01T00:00:00Z"}`, `{"type":"LIMITED","end_time":1800000000}`,
		`{"type":"LIMITED","end_time":1.8e9}`, `{"type":"LIMITED","end_time":-1}`, `{"type":"LIMITED","end_time":"9999-12-31T23:59:59-01:00"}`,
		`{"type":"LIMITED","end_time":"0000-01-01T00:00:00+01:00"}`, `{"type":"LIMITED","days":"x"}`,
		`{"type":null}`, `null`, `[]`, `{}`, `{"type":"LIMITED","days":99999999999999999999}`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v Validity
		err := json.Unmarshal(b, &v)
		if err != nil {
			var syn *json.SyntaxError
			if json.Valid(b) && !IsCode(err, CodeValidity) && !errors.As(err, &syn) {
				t.Fatalf("decode %q: got %v, want %s", b, err, CodeValidity)
			}
			return
		}
		if err := v.Validate(); err != nil {
			if !IsCode(err, CodeValidity) {
				t.Fatalf("validate %q: got %v, want %s", b, err, CodeValidity)
			}
			return
		}
		end, err := v.End(now)
		if err != nil {
			if !IsCode(err, CodeValidity) {
				t.Fatalf("end %q: got %v, want %s", b, err, CodeValidity)
			}
			return
		}
		if end != nil && !end.After(now) {
			t.Fatalf("end %q: got %v, want after %v", b, end, now)
		}
		// what is accepted survives a round trip through its own JSON
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %+v: %v", v, err)
		}
		var back Validity
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("round trip %s: got %v, want nil", out, err)
		}
		end2, err := back.End(now)
		if err != nil || (end == nil) != (end2 == nil) || (end != nil && !end.Equal(*end2)) {
			t.Fatalf("round trip %s: got %v %v, want %v", out, end2, err, end)
		}
	})
}

func FuzzSubject(f *testing.F) {
	f.Add("APP", "app1", "t1")
	f.Add("WORKSPACE", "ws:a", "t2")
	f.Add("app", "", "")
	f.Add("APP", "a/b", "t1")
	f.Add("WORKSPACE", strings.Repeat("x", 129), "t1")
	f.Fuzz(func(t *testing.T, typ, id, tenant string) {
		s := Subject{Type: SubjectType(typ), ID: id, TenantID: tenant}
		err := CheckSubject("fuzz", s)
		valid := (s.Type == SubjectApp || s.Type == SubjectWorkspace) && ValidID(id) && ValidID(tenant)
		if (err == nil) != valid {
			t.Fatalf("%+v: got %v, want valid=%v", s, err, valid)
		}
		if err != nil && !IsCode(err, CodeSubject) {
			t.Fatalf("%+v: got %v, want %s", s, err, CodeSubject)
		}
		// the same subject as JSON decodes to the same verdict
		b, _ := json.Marshal(s)
		var back Subject
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if utf8.ValidString(typ) && utf8.ValidString(id) && utf8.ValidString(tenant) && back != s {
			t.Fatalf("got %+v, want %+v", back, s)
		}
	})
}

func FuzzReason(f *testing.F) {
	f.Add("")
	f.Add(strings.Repeat("a", 128))
	f.Add(strings.Repeat("数", 129))
	f.Add("ok\xff")
	f.Add(strings.Repeat("é", 128))
	f.Fuzz(func(t *testing.T, reason string) {
		err := CheckReason("fuzz", reason)
		want := utf8.ValidString(reason) && utf8.RuneCountInString(reason) <= MaxReason
		if (err == nil) != want {
			t.Fatalf("%q (%d runes): got %v, want accepted=%v", reason, utf8.RuneCountInString(reason), err, want)
		}
		if err != nil && !IsCode(err, CodeReason) {
			t.Fatalf("%q: got %v, want %s", reason, err, CodeReason)
		}
	})
}

func FuzzCheckInput(f *testing.F) {
	for _, s := range []string{
		`{"api_id":"api1","app_id":"app1","env":"PROD","protocol":"HTTPS","proxy":true}`,
		`{"api_id":"api1","app_id":"app1","env":"DEV"}`,
		`{"api_id":"","app_id":"app1","env":"PROD"}`, `{"env":"prod"}`, `{"protocol":"FTP"}`, `[]`, `null`,
	} {
		f.Add([]byte(s), int64(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, offset int64) {
		var in CheckInput
		if err := json.Unmarshal(b, &in); err != nil {
			return
		}
		err := in.Validate()
		if err != nil {
			if ErrorKind(err) != Invalid || !strings.HasPrefix(ErrorCode(err), CodeInvalid) {
				t.Fatalf("%q: got %v, want an InvalidParameter error", b, err)
			}
			return
		}
		if !ValidID(in.APIID) || !ValidID(in.AppID) || (in.Env != EnvProd && in.Env != EnvDev) {
			t.Fatalf("%q: accepted %+v", b, in)
		}
		at := now.Add(time.Duration(offset))
		_, it := checkFixture()
		it.AppGrant = appGrant("g1", func(g *Grant) { g.EndTime = ptr(now.Add(time.Hour)) })
		it.WorkspaceGrant = wsGrant("g2", func(g *Grant) { g.CancelAt = ptr(now) })
		d := Decide("t1", in, it, at)
		if d.Allowed != (d.Reason == ReasonGranted) {
			t.Fatalf("%q: got allowed %v with %v", b, d.Allowed, d.Reason)
		}
		if d.Fields == nil || d.Permissions == nil {
			t.Fatalf("%q: nil lists in %+v", b, d)
		}
	})
}
