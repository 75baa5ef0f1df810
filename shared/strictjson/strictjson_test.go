package strictjson_test

import (
	"errors"
	"strings"
	"testing"

	"gatepass/shared/strictjson"
)

type subject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type body struct {
	Envs     []string  `json:"envs"`
	Subject  *subject  `json:"subject"`
	Subjects []subject `json:"subjects"`
	Tags     map[string]subject
	Any      any `json:"any"`
}

type envelope struct {
	Version string `json:"version"`
	inner
}

type inner struct {
	Body string `json:"body"`
}

// TestDecode_KeysMatchedExactly: a key that differs from a field's only in case is not
// that field (issue 20: "ENVS" created a PROD grant beside "envs"; "ID" replaced "id").
func TestDecode_KeysMatchedExactly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, errAt string
	}{
		{"exact keys", `{"envs":["DEV"],"subject":{"type":"APP","id":"a"}}`, ""},
		{"case twin of a top-level key", `{"envs":["DEV"],"ENVS":["PROD"]}`, "ENVS"},
		{"case twin nested", `{"subject":{"id":"d2","ID":"d2-other"}}`, "subject.ID"},
		{"case variant alone", `{"subject":{"TYPE":"APP"}}`, "subject.TYPE"},
		{"inside a list", `{"subjects":[{"id":"a"},{"Id":"b"}]}`, "subjects[1].Id"},
		{"unknown key", `{"protected":true}`, "protected"},
		{"duplicate key", `{"envs":["DEV"],"envs":["PROD"]}`, "envs"},
		{"duplicate inside an any", `{"any":{"a":1,"a":2}}`, "any.a"},
		{"Go name without a tag is exact too", `{"Tags":{"x":{"id":"a"}}}`, ""},
		{"Go name folded", `{"tags":{}}`, "tags"},
		{"map values are checked", `{"Tags":{"x":{"iD":"a"}}}`, "Tags.x.iD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b body
			err := strictjson.Decode([]byte(tc.in), &b)
			if tc.errAt == "" {
				if err != nil {
					t.Fatalf("Decode(%s) = %v", tc.in, err)
				}
				return
			}
			var se *strictjson.Error
			if !errors.As(err, &se) || se.Path != tc.errAt {
				t.Fatalf("Decode(%s) = %v, want a refusal at %s", tc.in, err, tc.errAt)
			}
		})
	}
}

func TestDecode_DuplicateKeyIsNamed(t *testing.T) {
	t.Parallel()
	var b body
	err := strictjson.Decode([]byte(`{"envs":[],"envs":[]}`), &b)
	if err == nil || !strings.Contains(err.Error(), strictjson.ErrDuplicateKey.Error()) {
		t.Fatalf("err = %v", err)
	}
}

func TestDecode_SyntaxAndTrailingData(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{"envs":`, `{} {}`, `{"envs":["DEV"]} x`, ``} {
		var b body
		if err := strictjson.Decode([]byte(in), &b); err == nil {
			t.Errorf("Decode(%q) accepted", in)
		}
	}
	var b body
	if err := strictjson.Decode([]byte(`{"envs":["DEV"],"subject":{"type":"APP","id":"x"}}`), &b); err != nil || b.Subject.ID != "x" || b.Envs[0] != "DEV" {
		t.Fatalf("decoded %+v, %v", b, err)
	}
}

// TestDecodeEnvelope_ExtraKeysIgnoredCaseTwinsRefused: an AWS envelope may grow keys,
// but none may stand in for a field by case, and embedded fields count.
func TestDecodeEnvelope_ExtraKeysIgnoredCaseTwinsRefused(t *testing.T) {
	t.Parallel()
	var e envelope
	if err := strictjson.DecodeEnvelope([]byte(`{"version":"2.0","body":"b","newKey":{"x":1}}`), &e); err != nil || e.Body != "b" {
		t.Fatalf("envelope = %+v, %v", e, err)
	}
	for _, in := range []string{`{"Body":"b"}`, `{"VERSION":"2.0"}`, `{"body":"a","body":"b"}`} {
		if err := strictjson.DecodeEnvelope([]byte(in), &e); err == nil {
			t.Errorf("DecodeEnvelope(%s) accepted", in)
		}
	}
}

func FuzzDecode_NeverAcceptsACaseTwin(f *testing.F) {
	f.Add(`{"envs":["DEV"],"subject":{"type":"APP","id":"a"}}`)
	f.Add(`{"Envs":[]}`)
	f.Fuzz(func(t *testing.T, in string) {
		var b body
		if strictjson.Decode([]byte(in), &b) != nil {
			return
		}
		for _, k := range []string{`"Envs":`, `"ENVS":`, `"Subject":`, `"ID":`, `"Id":`, `"Type":`} {
			if strings.Contains(in, k) && !strings.Contains(in, `\`) {
				t.Fatalf("accepted %s holding %s", in, k)
			}
		}
	})
}

// TestDecode_NestingBounded: 64 levels of objects or arrays decode; the 65th is refused
// before anything is decoded, in time linear in the body (20,000 levels took seconds).
func TestDecode_NestingBounded(t *testing.T) {
	t.Parallel()
	nest := func(n int, open, close string) string {
		return `{"any":` + strings.Repeat(open, n-1) + `1` + strings.Repeat(close, n-1) + `}`
	}
	for _, tc := range []struct {
		name   string
		in     string
		refuse bool
	}{
		{"64 levels of objects", nest(strictjson.MaxDepth, `{"a":`, `}`), false},
		{"65 levels of objects", nest(strictjson.MaxDepth+1, `{"a":`, `}`), true},
		{"64 levels of arrays", nest(strictjson.MaxDepth, `[`, `]`), false},
		{"65 levels of arrays", nest(strictjson.MaxDepth+1, `[`, `]`), true},
		{"20000 levels", nest(20000, `[`, `]`), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b body
			err := strictjson.Decode([]byte(tc.in), &b)
			var se *strictjson.Error
			if got := errors.As(err, &se); got != tc.refuse {
				t.Fatalf("refused=%v (%v), want %v", got, err, tc.refuse)
			}
			if tc.refuse && !strings.Contains(se.Msg, "nested deeper than 64") {
				t.Fatalf("got %v", se)
			}
		})
	}
}
