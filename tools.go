//go:build tools

// Package tools pins the modules the library is built on until code imports them.
package tools

import (
	_ "github.com/6tail/lunar-go/HolidayUtil"
	_ "github.com/go-playground/validator/v10"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/shopspring/decimal"
	_ "github.com/stretchr/testify/require"
	_ "go.uber.org/zap"
	_ "go.uber.org/zap/zaptest/observer"
	_ "golang.org/x/mod/sumdb/note"
	_ "golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite"
	_ "sigs.k8s.io/yaml"
)
