package profile

// SQL of the profile package, in one place. Table names are unqualified:
// every statement runs in a transaction pinned to the portal's schema.
const (
	profileColumns = `u.id, u.display_name, u.commune_code, u.epci_code, u.interests, u.profile_offer, u.profile_public`

	// profileSQL reads profile $1 for viewer $2: their own, or another
	// person's public profile (of a confirmed account).
	profileSQL = `SELECT ` + profileColumns + ` FROM users u
 WHERE u.id = $1 AND (u.id = $2 OR (u.profile_public AND u.email_confirmed_at IS NOT NULL))`

	saveSQL = `
UPDATE users SET profile_public = $2, interests = $3, profile_offer = $4, updated_at = now() WHERE id = $1`

	// suggestSQL lists public profiles in the EPCIs $3 sharing interests
	// with $2, but not $1's own: most shared first, then those of $1's
	// EPCI ($4), then by name.
	suggestSQL = `
SELECT id, display_name, commune_code, epci_code, interests, profile_offer, profile_public, shared FROM (
    SELECT ` + profileColumns + `,
           ARRAY(SELECT i FROM unnest(u.interests) i WHERE i = ANY ($2::text[]) ORDER BY i) AS shared
      FROM users u
     WHERE u.profile_public AND u.email_confirmed_at IS NOT NULL AND u.id <> $1
       AND u.epci_code = ANY ($3::text[]) AND u.interests && $2::text[]) s
 ORDER BY cardinality(shared) DESC, epci_code = $4 DESC, display_name, id
 LIMIT $5`
)
