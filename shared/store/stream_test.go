package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// fromImage converts a Lambda stream image as the publish job does.
func fromImage(t *testing.T, img map[string]events.DynamoDBAttributeValue) map[string]ddbtypes.AttributeValue {
	t.Helper()
	b, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	item, err := attributevalue.UnmarshalMapJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return item
}

// image is an item as a Lambda stream record carries it.
func image(t *testing.T, item any) map[string]events.DynamoDBAttributeValue {
	t.Helper()
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.Fatal(err)
	}
	b, err := attributevalue.MarshalMapJSON(av)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuditFromImage_RoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 123000000, time.UTC)
	end := at.Add(30 * 24 * time.Hour)
	cancel := at.Add(48 * time.Hour)
	tests := []access.AuditEntry{
		{
			ID: "01JDAUDIT", Action: access.EventGrantExpiring, At: at, TenantID: "t1", Actor: "system:reminders",
			APIID: "api1", GrantID: "g1", Subject: &access.Subject{Type: access.SubjectApp, ID: "app1", TenantID: "t2"},
			Env: access.EnvProd, EndTime: &end, CancelAt: &cancel,
			Permissions: []access.Permission{access.PermUsage, access.PermProxy}, Reason: "bye", ThresholdDays: 7,
		},
		{ID: "01JDAPP", Action: access.EventAppCodeRotated, At: at, TenantID: "t1", Actor: "alice", AppID: "app1"},
	}
	for _, want := range tests {
		t.Run(want.Action, func(t *testing.T) {
			it, err := newAuditItem(want)
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := AuditFromItem(fromImage(t, image(t, it)))
			if !ok || err != nil {
				t.Fatalf("got ok %v err %v, want an audit entry", ok, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestAuditFromImage_LambdaJSON(t *testing.T) {
	// A record as Lambda delivers it (JSON), with a number, a list and a null.
	const rec = `{"eventName":"INSERT","dynamodb":{"SequenceNumber":"100","NewImage":{
		"PK":{"S":"AUDIT#API#api1#"},"SK":{"S":"2026-11-25T12:00:00.000000000Z#01J"},
		"type":{"S":"AUDIT"},"ttl":{"N":"1798200000"},"audit_id":{"S":"01J"},
		"action":{"S":"Grant Revoked"},"occurred_at":{"S":"2026-11-25T12:00:00Z"},
		"tenant_id":{"S":"t1"},"actor":{"S":"bob"},"api_id":{"S":"api1"},"grant_id":{"S":"g1"},
		"permissions":{"L":[{"S":"USAGE"}]},"reason":{"NULL":true}}}}`
	var r events.DynamoDBEventRecord
	if err := json.Unmarshal([]byte(rec), &r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := AuditFromItem(fromImage(t, r.Change.NewImage))
	if !ok || err != nil {
		t.Fatalf("got ok %v err %v", ok, err)
	}
	if got.ID != "01J" || got.Action != access.EventGrantRevoked || got.GrantID != "g1" || len(got.Permissions) != 1 || !got.At.Equal(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %+v", got)
	}
}

func TestAuditFromImage_NotAudit(t *testing.T) {
	for name, img := range map[string]map[string]events.DynamoDBAttributeValue{
		"grant":        {"type": events.NewStringAttribute(TypeGrant), "grant_id": events.NewStringAttribute("g1")},
		"no type":      {"PK": events.NewStringAttribute("X")},
		"numeric type": {"type": events.NewNumberAttribute("1")},
		"empty":        nil,
	} {
		t.Run(name, func(t *testing.T) {
			if _, ok, err := AuditFromItem(fromImage(t, img)); ok || err != nil {
				t.Fatalf("got ok %v err %v, want not an audit entry", ok, err)
			}
		})
	}
}

func TestAuditFromImage_Malformed(t *testing.T) {
	img := map[string]events.DynamoDBAttributeValue{
		"type":        events.NewStringAttribute(TypeAudit),
		"audit_id":    events.NewStringAttribute("01J"),
		"occurred_at": events.NewStringAttribute("yesterday"),
	}
	if _, ok, err := AuditFromItem(fromImage(t, img)); !ok || err == nil {
		t.Fatalf("got ok %v err %v, want an audit entry that fails to decode", ok, err)
	}
	img["occurred_at"] = events.NewNumberAttribute("5")
	if _, ok, err := AuditFromItem(fromImage(t, img)); !ok || err == nil {
		t.Fatalf("number as time: got ok %v err %v, want an error", ok, err)
	}
}

// FuzzAuditFromImage feeds stream images in Lambda's JSON form: decoding never panics.
func FuzzAuditFromImage(f *testing.F) {
	f.Add(`{"type":{"S":"AUDIT"},"audit_id":{"S":"x"},"occurred_at":{"S":"2026-01-01T00:00:00Z"},"permissions":{"L":[{"S":"USAGE"}]}}`)
	f.Add(`{"type":{"S":"AUDIT"},"subject_type":{"M":{"a":{"N":"1"}}},"threshold_days":{"S":"7"}}`)
	f.Add(`{"type":{"S":"GRANT"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var img map[string]events.DynamoDBAttributeValue
		if json.Unmarshal([]byte(s), &img) != nil {
			return
		}
		b, _ := json.Marshal(img)
		item, err := attributevalue.UnmarshalMapJSON(b)
		if err != nil {
			return
		}
		_, _, _ = AuditFromItem(item)
	})
}
