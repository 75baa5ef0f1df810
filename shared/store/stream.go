package store

import (
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// AuditFromItem decodes the audit entry in a stream record's new image (the publish
// function's input, converted to the SDK's attribute values). ok is false for an item
// that is not an audit entry (its `type` is not AUDIT, or it has none); err reports an
// audit item that cannot be decoded.
func AuditFromItem(item map[string]ddbtypes.AttributeValue) (e access.AuditEntry, ok bool, err error) {
	t, found := item[AttrType].(*ddbtypes.AttributeValueMemberS)
	if !found || t.Value != TypeAudit {
		return access.AuditEntry{}, false, nil
	}
	e, err = DecodeAudit(item)
	return e, true, err
}
