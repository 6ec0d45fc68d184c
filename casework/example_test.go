package casework_test

import (
	"fmt"

	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

// ExampleCheckActivities checks a year of activities against Nanchang2025 with the
// third quarter's policy talk missing.
func ExampleCheckActivities() {
	prog := welfare.Nanchang2025()
	acts := fullYear()
	acts = append(acts[:6], acts[7:]...) // drop the July talk
	rep, err := casework.CheckActivities(acts, prog, casework.DefaultRules(prog), welfare.NewDate(2025, 12, 1))
	if err != nil {
		panic(err)
	}
	for _, c := range rep.Checks {
		fmt.Println(c.Explain())
	}
	// Output:
	// 【CA-1】关爱服务活动场次（达标）
	// 【CA-2】每场活动参与人数（达标）
	// 【PT-1】每季度政策宣讲（未达标）；缺：2025年第3季度（2025-07-01至2025-09-30）政策宣讲0场，应不少于1场
	// 【CA-3/festival】重大节日主题活动（达标）
	// 【CA-3/publicity】活动微信公众号宣传（达标）
}

// ExampleHolidaysIn lists the major holidays of the 2025 programme period; lunar
// dates come from github.com/6tail/lunar-go.
func ExampleHolidaysIn() {
	hs, err := casework.HolidaysIn(casework.DefaultHolidays(), welfare.Nanchang2025().Period)
	if err != nil {
		panic(err)
	}
	for _, h := range hs {
		fmt.Println(h.Date, h.Holiday.Name)
	}
	// Output:
	// 2025-01-29 春节
	// 2025-02-12 元宵节
	// 2025-04-04 清明节
	// 2025-05-31 端午节
	// 2025-06-01 六一儿童节
	// 2025-10-01 国庆节
	// 2025-10-06 中秋节
}

// ExampleDeidentifier shows what a typical-case narrative keeps of free text.
func ExampleDeidentifier() {
	d := casework.NewDeidentifier(nil, casework.AgeBand(10), casework.Term{Text: "示例村", StandIn: "某村"})
	fmt.Println(d.Clean("10岁的孩子住在示例村5组18号，母亲电话13800001234。"))
	// Output:
	// 9–11岁的孩子住在某村某组某号，母亲电话某电话。
}
