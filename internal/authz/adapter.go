package authz

import (
	"context"
	"fmt"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// Adapter stores one portal's Casbin rules in the casbin_rule table of that
// portal's schema, through db.DB's schema-pinned transactions.
//
// An Adapter belongs to one portal for its whole life: the portal it was
// built with is put back on every context it uses, so a context carrying
// another portal cannot redirect it. Casbin's Adapter methods take no
// context, so the one given to NewAdapter serves them (its values and its
// cancellation); the *Ctx methods use the caller's.
type Adapter struct {
	db     *db.DB
	tenant *tenant.Tenant
	ctx    context.Context
}

var (
	_ persist.Adapter        = (*Adapter)(nil)
	_ persist.BatchAdapter   = (*Adapter)(nil)
	_ persist.ContextAdapter = (*Adapter)(nil)
)

// NewAdapter returns the adapter of the portal that ctx carries.
func NewAdapter(ctx context.Context, d *db.DB) (*Adapter, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoTenant
	}
	return &Adapter{db: d, tenant: t, ctx: ctx}, nil
}

// pin returns ctx carrying the adapter's portal, whatever ctx carried.
func (a *Adapter) pin(ctx context.Context) context.Context {
	return tenant.WithTenant(ctx, a.tenant)
}

// LoadPolicy loads every rule of the portal into m.
func (a *Adapter) LoadPolicy(m model.Model) error { return a.LoadPolicyCtx(a.ctx, m) }

// LoadPolicyCtx loads every rule of the portal into m.
func (a *Adapter) LoadPolicyCtx(ctx context.Context, m model.Model) error {
	return a.db.ReadTx(a.pin(ctx), func(tx pgx.Tx) error {
		return loadRules(ctx, tx, func(rule []string) error {
			if err := persist.LoadPolicyArray(rule, m); err != nil {
				return fmt.Errorf("authz: load rule %v: %w", rule, err)
			}
			return nil
		})
	})
}

// SavePolicy replaces every stored rule with those of m, in one transaction.
func (a *Adapter) SavePolicy(m model.Model) error { return a.SavePolicyCtx(a.ctx, m) }

// SavePolicyCtx replaces every stored rule with those of m, in one
// transaction.
func (a *Adapter) SavePolicyCtx(ctx context.Context, m model.Model) error {
	return a.db.Tx(a.pin(ctx), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, deleteAllRulesSQL); err != nil {
			return fmt.Errorf("authz: save policy: %w", err)
		}
		for _, sec := range []string{"p", "g"} {
			for ptype, ast := range m[sec] {
				if err := insertRules(ctx, tx, ptype, ast.Policy); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// AddPolicy stores one rule; storing a rule that exists is not an error.
func (a *Adapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.AddPolicyCtx(a.ctx, sec, ptype, rule)
}

// AddPolicyCtx stores one rule; storing a rule that exists is not an error.
func (a *Adapter) AddPolicyCtx(ctx context.Context, _, ptype string, rule []string) error {
	row, err := ruleRow(ptype, rule)
	if err != nil {
		return err
	}
	return a.db.Tx(a.pin(ctx), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertRuleSQL, row...); err != nil {
			return fmt.Errorf("authz: add rule: %w", err)
		}
		return nil
	})
}

// AddPolicies stores many rules in one statement.
func (a *Adapter) AddPolicies(_, ptype string, rules [][]string) error {
	return a.db.Tx(a.pin(a.ctx), func(tx pgx.Tx) error {
		return insertRules(a.ctx, tx, ptype, rules)
	})
}

// RemovePolicy deletes one rule.
func (a *Adapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.RemovePolicyCtx(a.ctx, sec, ptype, rule)
}

// RemovePolicyCtx deletes one rule.
func (a *Adapter) RemovePolicyCtx(ctx context.Context, _, ptype string, rule []string) error {
	row, err := ruleRow(ptype, rule)
	if err != nil {
		return err
	}
	return a.db.Tx(a.pin(ctx), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, deleteRuleSQL, row...); err != nil {
			return fmt.Errorf("authz: remove rule: %w", err)
		}
		return nil
	})
}

// RemovePolicies deletes many rules in one statement.
func (a *Adapter) RemovePolicies(_, ptype string, rules [][]string) error {
	if len(rules) == 0 {
		return nil
	}
	args, err := ruleColumns(ptype, rules)
	if err != nil {
		return err
	}
	return a.db.Tx(a.pin(a.ctx), func(tx pgx.Tx) error {
		if _, err := tx.Exec(a.ctx, deleteRulesSQL, args...); err != nil {
			return fmt.Errorf("authz: remove rules: %w", err)
		}
		return nil
	})
}

// RemoveFilteredPolicy deletes the rules whose fields from fieldIndex on
// equal fieldValues; an empty value matches anything, as in Casbin.
func (a *Adapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	return a.RemoveFilteredPolicyCtx(a.ctx, sec, ptype, fieldIndex, fieldValues...)
}

// RemoveFilteredPolicyCtx deletes the rules whose fields from fieldIndex on
// equal fieldValues; an empty value matches anything, as in Casbin.
func (a *Adapter) RemoveFilteredPolicyCtx(ctx context.Context, _, ptype string, fieldIndex int, fieldValues ...string) error {
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > ruleFields {
		return fmt.Errorf("authz: filter at field %d with %d values does not fit %d fields", fieldIndex, len(fieldValues), ruleFields)
	}
	args := make([]any, 1+ruleFields)
	args[0] = ptype
	for i, v := range fieldValues {
		if v != "" {
			args[1+fieldIndex+i] = v
		}
	}
	return a.db.Tx(a.pin(ctx), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, deleteFilteredSQL, args...); err != nil {
			return fmt.Errorf("authz: remove filtered rules: %w", err)
		}
		return nil
	})
}
