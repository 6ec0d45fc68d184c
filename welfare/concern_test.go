package welfare

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcernRecorder(t *testing.T) {
	var r ConcernRecorder
	c := Concern{Kind: ConcernUrgent, Category: "suicide_risk", Severity: "immediate", Facts: []Fact{{"item9", "2"}}}
	require.NoError(t, r.Raise(context.Background(), c))
	c.Facts[0].Value = "changed"
	got := r.Concerns()
	require.Len(t, got, 1)
	assert.Equal(t, "2", got[0].Facts[0].Value, "copies, not aliases")
	got[0].Facts[0].Value = "x"
	assert.Equal(t, "2", r.Concerns()[0].Facts[0].Value)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, r.Raise(ctx, c), context.Canceled)
	assert.Len(t, r.Concerns(), 1)
}

func TestCheckKeys(t *testing.T) {
	id := uuid.New()
	require.NoError(t, CheckKeys("", id, "360121"))
	require.NoError(t, CheckKeys("", id, "360121", id))
	err := CheckKeys("[2].", uuid.Nil, "", uuid.Nil)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, []FieldError{{Field: "[2].ID", Rule: "required"}, {Field: "[2].AreaCode", Rule: "required"},
		{Field: "[2].ChildID", Rule: "required"}}, ve.Fields)
}
