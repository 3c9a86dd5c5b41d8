package population

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shepgate/shepgate/adapter/store"
)

func BenchmarkGenerate(b *testing.B) {
	for _, size := range []int{1000, 10000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Generate(Options{Seed: 1, Size: size, Now: testNow})
			}
		})
	}
}

func BenchmarkMovements(b *testing.B) {
	pop := Generate(Options{Seed: 1, Size: 2000, Now: testNow})
	var ids []string
	for p := range pop.All() {
		if len(p.Jobs) > 0 {
			ids = append(ids, p.IIN)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		pop.Movements(ids[i%len(ids)], time.Time{}, time.Time{})
		i++
	}
}

func BenchmarkLoad(b *testing.B) {
	pop := Generate(Options{Seed: 1, Size: 1000, Now: testNow})
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st, err := store.OpenSQLite(ctx, b.TempDir()+"/x.db")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := pop.Load(ctx, st); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}
