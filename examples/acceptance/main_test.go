package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/examples/democounty"
)

func TestMainReport(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), nil, &out))
	s := out.String()
	for _, want := range []string{
		"2025年南昌市流动儿童动态监测和关爱服务试点",
		"统计日 2025-06-30",
		"纳入监测 11885 人（基线 12029 人）",
		"莲塘镇",
		"应建未建重点台账（AC-5，每人扣 500 元）",
		"符合重点条件但无有效台账：65 人",
		"年满16周岁",
		"达标",
	} {
		assert.Contains(t, s, want)
	}

	// Same flags, same report, byte for byte.
	var again bytes.Buffer
	require.NoError(t, run(context.Background(), nil, &again))
	assert.Equal(t, s, again.String())
}

func TestMainJSON(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-json", "-asof", "2025-09-30"}, &out))
	var got struct {
		AsOf   string `json:"as_of"`
		Census struct {
			Total int `json:"total"`
		} `json:"census"`
		LedgerGaps []json.RawMessage `json:"ledger_gaps"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Equal(t, "2025-09-30", got.AsOf)
	assert.Greater(t, got.Census.Total, 11000)
	assert.NotEmpty(t, got.LedgerGaps)
	county, err := democounty.Generate(democounty.Options{})
	require.NoError(t, err)
	for _, c := range county.Children[:200] {
		assert.NotContains(t, out.String(), c.Name, "no personal data in the JSON report")
		assert.NotContains(t, out.String(), c.Residence.Address)
	}
}

func TestMainBadFlags(t *testing.T) {
	err := run(context.Background(), []string{"-asof", "2025-13-01"}, &bytes.Buffer{})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "-asof"))
	require.Error(t, run(context.Background(), []string{"-nope"}, &bytes.Buffer{}))
}
