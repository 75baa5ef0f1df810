package eventbus

import (
	"encoding/json"
	"testing"
)

// parsePattern compiles a pattern written as JSON, the form the template holds.
func parsePattern(s string) (*Pattern, error) {
	var p map[string]any
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, err
	}
	return CompilePattern(p)
}

func TestPatternMatch(t *testing.T) {
	event := `{
		"version": "0", "id": "e1", "source": "dataservice.catalog", "detail-type": "API Published",
		"account": "000000000000", "region": "us-east-1", "resources": ["arn:a", "arn:b"],
		"detail": {
			"api_id": "a1", "tenant_id": "t-1", "count": 3, "ratio": 0.5, "published": true, "gone": null,
			"name": "Orders.PNG", "protocols": ["HTTP", "HTTPS"],
			"owner": {"workspace": {"id": "ws-9"}},
			"items": [{"kind": "x"}, {"kind": "y"}]
		}
	}`
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"source exact", `{"source": ["dataservice.catalog"]}`, true},
		{"source other", `{"source": ["gatepass"]}`, false},
		{"one of several", `{"detail-type": ["API Deleted", "API Published"]}`, true},
		{"and across fields", `{"source": ["dataservice.catalog"], "detail-type": ["API Deleted"]}`, false},
		{"nested detail", `{"detail": {"owner": {"workspace": {"id": ["ws-9"]}}}}`, true},
		{"nested detail miss", `{"detail": {"owner": {"workspace": {"id": ["ws-1"]}}}}`, false},
		{"missing field", `{"detail": {"nope": ["x"]}}`, false},
		{"object where a value is expected", `{"detail": {"owner": ["x"]}}`, false},
		{"number exact", `{"detail": {"count": [3]}}`, true},
		{"number vs string", `{"detail": {"count": ["3"]}}`, false},
		{"bool", `{"detail": {"published": [true]}}`, true},
		{"null", `{"detail": {"gone": [null]}}`, true},
		{"array in event: any element", `{"detail": {"protocols": ["HTTPS"]}}`, true},
		{"resources", `{"resources": ["arn:b"]}`, true},
		{"array of objects", `{"detail": {"items": {"kind": ["y"]}}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parsePattern(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Match([]byte(event))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPatternFromYAMLTypes(t *testing.T) {
	// template.yaml decodes numbers as int and lists as []any.
	p, err := CompilePattern(map[string]any{
		"source": []any{"gatepass"},
		"detail": map[string]any{"n": []any{1}, "m": []any{true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := p.MatchValue(map[string]any{"source": "gatepass", "detail": map[string]any{"n": 1.0, "m": true}})
	if !got {
		t.Fatal("got false, want true")
	}
}

func TestPatternRejectsUnsupported(t *testing.T) {
	tests := []struct{ name, pattern string }{
		{"empty", `{}`},
		{"or", `{"$or": [{"a": ["x"]}, {"b": ["y"]}]}`},
		{"cidr", `{"ip": [{"cidr": "10.0.0.0/24"}]}`},
		{"unknown operator", `{"a": [{"contains": "x"}]}`},
		{"prefix (not used by the template)", `{"a": [{"prefix": "x"}]}`},
		{"anything-but", `{"a": [{"anything-but": "x"}]}`},
		{"numeric", `{"a": [{"numeric": [">", 1]}]}`},
		{"exists", `{"a": [{"exists": true}]}`},
		{"equals-ignore-case", `{"a": [{"equals-ignore-case": "x"}]}`},
		{"wildcard", `{"a": [{"wildcard": "x*"}]}`},
		{"empty operator object", `{"a": [{}]}`},
		{"scalar not in a list", `{"source": "gatepass"}`},
		{"empty list", `{"source": []}`},
		{"two operators in one object", `{"a": [{"prefix": "x", "suffix": "y"}]}`},
		{"bad numeric", `{"a": [{"numeric": [">"]}]}`},
		{"bad numeric op", `{"a": [{"numeric": ["!=", 1]}]}`},
		{"exists not bool", `{"a": [{"exists": "yes"}]}`},
		{"prefix not string", `{"a": [{"prefix": 1}]}`},
		{"object in list", `{"a": [["x"]]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parsePattern(tc.pattern); err == nil {
				t.Fatal("got nil error, want one")
			}
		})
	}
}
