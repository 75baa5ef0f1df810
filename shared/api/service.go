package api

import (
	"context"

	"gatepass/shared/access"
	"gatepass/shared/settings"
	"gatepass/shared/store"
)

// NewService builds the service a function needs from its environment: settings read
// and validated once per cold start, one DynamoDB client, the store over the table.
func NewService(ctx context.Context, getenv func(string) string) (*access.Service, error) {
	cfg, err := settings.Load(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := settings.AWS(ctx)
	if err != nil {
		return nil, err
	}
	st := store.New(settings.DynamoDB(awsCfg), cfg.TableName, store.Options{GrantRetention: cfg.GrantRetention})
	return access.NewService(st, access.Config{CancelNotice: cfg.CancelNotice, ReminderDays: cfg.ReminderDays}), nil
}
