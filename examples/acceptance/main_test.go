package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/examples/democounty"
)

func TestMainReport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-db", db}, &out))
	s := out.String()
	assert.Contains(t, s, "首次运行：已写入合成示例县")
	for _, want := range []string{
		"2025年南昌市流动儿童动态监测和关爱服务试点",
		"统计日 2025-12-01",
		"纳入监测 11885 人（基线 12029 人）",
		"莲塘镇",
		"应建未建重点台账（AC-5，每人扣 500 元）",
		"符合重点条件但无有效台账：86 人",
		"已筛查 559 人",
		"质量信号（AC-3）",
		"各类最强的一条",
		"行程速度不可能",
		"记录文本雷同",
		"年满16周岁",
		"达标",
		// the acceptance
		"样本框 SHA-256：",
		"抽样种子：20251201  算法：consistent_sampler",
		"检出概率",
		"AC-5  符合重点条件但未建台账                    86 项",
		"扣款总额",
		"首期款（启动资金）：比例 0.3，应计 75000.00 元",
		"最迟 2025-01-20 支付",
		"十三、任务完成清单",
		"CS-2  完成",
		"PT-1  未完成",
		"十四、日志核验",
		"满意度回访待开展",
	} {
		assert.Contains(t, s, want)
	}

	// A second run reuses the file, duplicates nothing and reports the same figures.
	var again bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-db", db}, &again))
	assert.Contains(t, again.String(), "复用已有数据")
	assert.Equal(t, strings.Replace(s, "首次运行：已写入合成示例县，种子 2025", "复用已有数据", 1), again.String())

	// The memory store gives the same figures.
	var mem bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-db", "memory"}, &mem))
	assert.Equal(t, figures(s), figures(mem.String()))
}

// figures drops the line naming the data source.
func figures(report string) string {
	var keep []string
	for _, line := range strings.Split(report, "\n") {
		if !strings.HasPrefix(line, "数据来源") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func TestMainJSON(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-json", "-db", "memory", "-asof", "2025-09-30"}, &out))
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
	err := run(context.Background(), []string{"-db", "memory", "-asof", "2025-13-01"}, &bytes.Buffer{})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "-asof"))
	require.Error(t, run(context.Background(), []string{"-nope"}, &bytes.Buffer{}))
	err = run(context.Background(), []string{"-db", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}, &bytes.Buffer{})
	require.Error(t, err, "an unreachable database is a clear error")
	assert.NotContains(t, err.Error(), "panic")
}
