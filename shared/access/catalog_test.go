package access

import (
	"strings"
	"testing"
)

func TestAPIInput_Validate(t *testing.T) {
	ok := func() APIInput {
		return APIInput{WorkspaceID: "ws1", Name: "Orders", Path: "/test/1", GroupID: "g1",
			Protocols: []Protocol{ProtoHTTP, ProtoHTTPS}, Fields: []string{"id", "name"}, Operation: OpRead, RowLevel: true}
	}
	tests := []struct {
		name string
		mod  func(*APIInput)
		code string
	}{
		{"valid", func(*APIInput) {}, ""},
		{"no group", func(in *APIInput) { in.GroupID = "" }, ""},
		{"no fields", func(in *APIInput) { in.Fields = nil }, ""},
		{"unpublished", func(in *APIInput) { in.Status = APIUnpublished }, ""},
		{"multi-byte name", func(in *APIInput) { in.Name = strings.Repeat("数", 256) }, ""},
		{"bad workspace", func(in *APIInput) { in.WorkspaceID = "" }, CodeID},
		{"empty name", func(in *APIInput) { in.Name = "" }, CodeInvalid + ".Name"},
		{"blank name", func(in *APIInput) { in.Name = "  " }, CodeInvalid + ".Name"},
		{"long name", func(in *APIInput) { in.Name = strings.Repeat("a", 257) }, CodeInvalid + ".Name"},
		{"invalid utf-8 name", func(in *APIInput) { in.Name = "\xff" }, CodeInvalid + ".Name"},
		{"relative path", func(in *APIInput) { in.Path = "test/1" }, CodeInvalid + ".Path"},
		{"path with space", func(in *APIInput) { in.Path = "/a b" }, CodeInvalid + ".Path"},
		{"path with query", func(in *APIInput) { in.Path = "/a?b" }, CodeInvalid + ".Path"},
		{"empty path", func(in *APIInput) { in.Path = "" }, CodeInvalid + ".Path"},
		{"bad group", func(in *APIInput) { in.GroupID = "g 1" }, CodeInvalid + ".GroupId"},
		{"no protocols", func(in *APIInput) { in.Protocols = nil }, CodeInvalid + ".Protocols"},
		{"ftp", func(in *APIInput) { in.Protocols = []Protocol{"FTP"} }, CodeInvalid + ".Protocols"},
		{"protocol twice", func(in *APIInput) { in.Protocols = []Protocol{ProtoHTTP, ProtoHTTP} }, CodeInvalid + ".Protocols"},
		{"field twice", func(in *APIInput) { in.Fields = []string{"id", "id"} }, CodeFields},
		{"empty field", func(in *APIInput) { in.Fields = []string{""} }, CodeFields},
		{"padded field", func(in *APIInput) { in.Fields = []string{" id"} }, CodeFields},
		{"bad operation", func(in *APIInput) { in.Operation = "UPSERT" }, CodeInvalid + ".Operation"},
		{"no operation", func(in *APIInput) { in.Operation = "" }, CodeInvalid + ".Operation"},
		{"bad status", func(in *APIInput) { in.Status = "DRAFT" }, CodeInvalid + ".Status"},
		{"row level write", func(in *APIInput) { in.Operation = OpDelete }, CodeInvalid + ".RowLevel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := ok()
			tc.mod(&in)
			wantCode(t, in.Validate(), tc.code)
		})
	}
	in := ok()
	if err := in.Validate(); err != nil || in.Status != APIPublished {
		t.Fatalf("default status: got %v %v, want PUBLISHED", in.Status, err)
	}
}

func TestAppInput_Validate(t *testing.T) {
	tests := []struct {
		name string
		in   AppInput
		code string
	}{
		{"valid", AppInput{WorkspaceID: "ws1", Name: "reporting"}, ""},
		{"disabled", AppInput{WorkspaceID: "ws1", Name: "r", Status: AppDisabled}, ""},
		{"no workspace", AppInput{Name: "r"}, CodeID},
		{"no name", AppInput{WorkspaceID: "ws1"}, CodeInvalid + ".Name"},
		{"padded owner", AppInput{WorkspaceID: "ws1", Name: "r", Owner: " u"}, CodeInvalid + ".Owner"},
		{"bad status", AppInput{WorkspaceID: "ws1", Name: "r", Status: "ON"}, CodeInvalid + ".Status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.in.Validate(), tc.code)
		})
	}
}

func TestPageQuery_R15_Validate(t *testing.T) {
	tests := []struct {
		name      string
		q         PageQuery
		code      string
		num, size int
	}{
		{"defaults", PageQuery{}, "", 1, 10},
		{"max", PageQuery{Number: 3, Size: 100}, "", 3, 100},
		{"too big", PageQuery{Size: 101}, CodePageSize, 0, 0},
		{"negative size", PageQuery{Size: -1}, CodePageSize, 0, 0},
		{"negative page", PageQuery{Number: -1}, CodePageNumber, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			err := q.Validate()
			wantCode(t, err, tc.code)
			if err == nil && (q.Number != tc.num || q.Size != tc.size) {
				t.Fatalf("got %d/%d, want %d/%d", q.Number, q.Size, tc.num, tc.size)
			}
		})
	}
	p := paginate([]int{1, 2, 3}, PageQuery{Number: 5, Size: 2})
	if len(p.Items) != 0 || p.Items == nil || p.Total != 3 {
		t.Fatalf("page past the end: got %v total %d, want [] total 3", p.Items, p.Total)
	}
}
