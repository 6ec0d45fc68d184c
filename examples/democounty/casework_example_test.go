package democounty_test

import (
	"context"
	"fmt"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/examples/democounty"
)

// ExampleLoadCasework loads a small county's casework and prints the checks.
func ExampleLoadCasework() {
	ctx := context.Background()
	c, err := democounty.Generate(democounty.Options{Children: 2000})
	if err != nil {
		panic(err)
	}
	store := memory.New()
	if _, err := democounty.Load(ctx, store, c); err != nil {
		panic(err)
	}
	demo, err := democounty.LoadCasework(ctx, store, c)
	if err != nil {
		panic(err)
	}
	fmt.Println("cases:", len(demo.Cases), "closed:", demo.Closed, "typical:", demo.Typical)
	fmt.Println("incidents:", len(demo.Incidents), "activities:", demo.Activities)
	report, err := democounty.CaseworkReport(ctx, store, c, demo.AsOf)
	if err != nil {
		panic(err)
	}
	fmt.Print(report)
	// Output:
	// cases: 12 closed: 8 typical: 6
	// incidents: 3 activities: 11
	// 个案服务、紧急事件与关爱活动检查（截至2025-12-01）
	// 【CS-2】典型案例6个，达到不少于5个的要求
	// 【CA-1】关爱服务活动场次（达标）
	// 【CA-2】每场活动参与人数（达标）
	// 【PT-1】每季度政策宣讲（未达标）；缺：2025年第3季度（2025-07-01至2025-09-30）政策宣讲0场，应不少于1场
	// 【CA-3/festival】重大节日主题活动（达标）
	// 【CA-3/publicity】活动微信公众号宣传（达标）
	// 【AC-6】发现、录入或报告不及时的紧急事件1起
	//   2025-06-18 面临危险：向公安机关报告应于2025-06-18 10:30前，实际2025-06-18 13:30
}
