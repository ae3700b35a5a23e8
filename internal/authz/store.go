package authz

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SQL of this package, in one place. Table names are unqualified: every
// statement runs in a transaction that db.DB pins to the portal's schema.
// Values are always parameters.
const (
	loadRulesSQL = `SELECT ptype, v0, v1, v2, v3, v4, v5 FROM casbin_rule ORDER BY id`

	insertRuleSQL = `
INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT ON CONSTRAINT casbin_rule_unique DO NOTHING`

	// insertRulesSQL adds many rules in one statement: one array per column.
	insertRulesSQL = `
INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
ON CONFLICT ON CONSTRAINT casbin_rule_unique DO NOTHING`

	deleteRuleSQL = `
DELETE FROM casbin_rule
 WHERE ptype = $1 AND v0 = $2 AND v1 = $3 AND v2 = $4 AND v3 = $5 AND v4 = $6 AND v5 = $7`

	deleteRulesSQL = `
DELETE FROM casbin_rule c
 USING unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
       AS d (ptype, v0, v1, v2, v3, v4, v5)
 WHERE (c.ptype, c.v0, c.v1, c.v2, c.v3, c.v4, c.v5) = (d.ptype, d.v0, d.v1, d.v2, d.v3, d.v4, d.v5)`

	// deleteFilteredSQL follows Casbin's filter: a NULL field matches anything.
	deleteFilteredSQL = `
DELETE FROM casbin_rule
 WHERE ptype = $1
   AND ($2::text IS NULL OR v0 = $2) AND ($3::text IS NULL OR v1 = $3) AND ($4::text IS NULL OR v2 = $4)
   AND ($5::text IS NULL OR v3 = $5) AND ($6::text IS NULL OR v4 = $6) AND ($7::text IS NULL OR v5 = $7)`

	deleteAllRulesSQL = `DELETE FROM casbin_rule`

	// lockRolesSQL serialises role changes on one portal across every
	// instance, so that "may the actor do this?" (read from the database) is
	// still true when the change commits. The advisory lock is database-wide,
	// hence the schema in its key; it is released at commit or rollback.
	lockRolesSQL = `SELECT pg_advisory_xact_lock(hashtext('entraide.authz'), hashtext(current_schema()))`

	// allGrantsSQL lists every grant of the portal: subject (v0), role name
	// (v1).
	allGrantsSQL = `
SELECT v0, v1 FROM casbin_rule
 WHERE ptype = 'g' AND v2 = $1 AND v3 = '' AND v4 = '' AND v5 = ''
 ORDER BY v0, v1`

	// grantNamesSQL lists the role names (v1) a subject holds on the portal.
	grantNamesSQL = `
SELECT v1 FROM casbin_rule
 WHERE ptype = 'g' AND v0 = $1 AND v2 = $2 AND v3 = '' AND v4 = '' AND v5 = ''
 ORDER BY v1`

	deleteGrantSQL = `
DELETE FROM casbin_rule
 WHERE ptype = 'g' AND v0 = $1 AND v1 = $2 AND v2 = $3 AND v3 = '' AND v4 = '' AND v5 = ''`

	displayNameSQL = `SELECT display_name FROM users WHERE id = $1`

	insertAuditSQL = `
INSERT INTO role_audit (actor_kind, actor_user_id, actor_label, user_id, user_label, action, role, scopes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

	listAuditSQL = `
SELECT id, at, actor_kind, actor_user_id, actor_label, user_id, user_label, action, role, scopes
  FROM role_audit
 ORDER BY at DESC, id DESC
 LIMIT $1`
)

// ruleFields is the number of value columns (v0..v5) of casbin_rule.
const ruleFields = 6

// ruleRow pads a Casbin rule to the table's layout: ptype then six values,
// unused ones empty.
func ruleRow(ptype string, rule []string) ([]any, error) {
	if len(rule) > ruleFields {
		return nil, fmt.Errorf("authz: rule %v has more than %d fields", rule, ruleFields)
	}
	row := make([]any, 1+ruleFields)
	row[0] = ptype
	for i := range ruleFields {
		row[1+i] = ""
		if i < len(rule) {
			row[1+i] = rule[i]
		}
	}
	return row, nil
}

// ruleColumns turns rules into one array per column, for the unnest
// statements.
func ruleColumns(ptype string, rules [][]string) ([]any, error) {
	cols := make([][]string, 1+ruleFields)
	for _, r := range rules {
		row, err := ruleRow(ptype, r)
		if err != nil {
			return nil, err
		}
		for i, v := range row {
			cols[i] = append(cols[i], v.(string))
		}
	}
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = c
	}
	return args, nil
}

// loadRules calls fn with every stored rule, ptype first and trailing empty
// fields dropped (the form Casbin's persist.LoadPolicyArray expects).
func loadRules(ctx context.Context, tx pgx.Tx, fn func(rule []string) error) error {
	rows, err := tx.Query(ctx, loadRulesSQL)
	if err != nil {
		return fmt.Errorf("authz: load rules: %w", err)
	}
	defer rows.Close()
	var vals [1 + ruleFields]string
	for rows.Next() {
		if err := rows.Scan(&vals[0], &vals[1], &vals[2], &vals[3], &vals[4], &vals[5], &vals[6]); err != nil {
			return fmt.Errorf("authz: load rules: %w", err)
		}
		n := len(vals)
		for n > 1 && vals[n-1] == "" {
			n--
		}
		if err := fn(append([]string(nil), vals[:n]...)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("authz: load rules: %w", err)
	}
	return nil
}

func insertRules(ctx context.Context, tx pgx.Tx, ptype string, rules [][]string) error {
	if len(rules) == 0 {
		return nil
	}
	args, err := ruleColumns(ptype, rules)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, insertRulesSQL, args...); err != nil {
		return fmt.Errorf("authz: add rules: %w", err)
	}
	return nil
}

// grantNames returns the role names of the "g" rules of subject on domain.
func grantNames(ctx context.Context, tx pgx.Tx, subject, domain string) ([]string, error) {
	rows, err := tx.Query(ctx, grantNamesSQL, subject, domain)
	if err != nil {
		return nil, fmt.Errorf("authz: read grants: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("authz: read grants: %w", err)
	}
	return names, nil
}

// displayName returns the account's display name; ok is false when there is
// no such account on this portal.
func displayName(ctx context.Context, tx pgx.Tx, userID int64) (name string, ok bool, err error) {
	err = tx.QueryRow(ctx, displayNameSQL, userID).Scan(&name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("authz: read account %d: %w", userID, err)
	}
	return name, true, nil
}

// AuditAction says whether an audit entry is a grant or a revocation.
type AuditAction string

// The two audit actions.
const (
	AuditGrant  AuditAction = "grant"
	AuditRevoke AuditAction = "revoke"
)

// AuditEntry is one grant or revocation, as recorded.
type AuditEntry struct {
	ID int64
	At time.Time
	// Operator is true when a platform operator acted from the command
	// line; ActorUserID is then 0 and ActorLabel the operator's label.
	Operator    bool
	ActorUserID int64
	// ActorLabel is the actor's display name at the time of the change.
	ActorLabel string
	UserID     int64
	// UserLabel is the display name of the person whose role changed, at
	// the time of the change.
	UserLabel string
	Action    AuditAction
	Role      Role
	Scopes    []string
}

func insertAudit(ctx context.Context, tx pgx.Tx, actor Actor, actorLabel string, e AuditEntry) error {
	kind, actorID := "user", any(actor.userID)
	if actor.operator {
		kind, actorID = "operator", nil
	}
	scopes := e.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	_, err := tx.Exec(ctx, insertAuditSQL, kind, actorID, actorLabel, e.UserID, e.UserLabel, string(e.Action), string(e.Role), scopes)
	if err != nil {
		return fmt.Errorf("authz: record %s of %s: %w", e.Action, e.Role, err)
	}
	return nil
}

func listAudit(ctx context.Context, tx pgx.Tx, limit int) ([]AuditEntry, error) {
	rows, err := tx.Query(ctx, listAuditSQL, limit)
	if err != nil {
		return nil, fmt.Errorf("authz: list audit: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var (
			e            AuditEntry
			kind, action string
			role         string
			actorID      *int64
		)
		err := r.Scan(&e.ID, &e.At, &kind, &actorID, &e.ActorLabel, &e.UserID, &e.UserLabel, &action, &role, &e.Scopes)
		e.Operator = kind == "operator"
		if actorID != nil {
			e.ActorUserID = *actorID
		}
		e.Action, e.Role = AuditAction(action), Role(role)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("authz: list audit: %w", err)
	}
	return out, nil
}
