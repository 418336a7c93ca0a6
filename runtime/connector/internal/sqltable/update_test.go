package sqltable_test

// The shared -update flag, so that go test ./... -update runs in every package.
import _ "github.com/sqlstream/sqlstream/golden"
