package democounty

// Tables the generator draws from. Region codes are real statistical division codes;
// every name, phone number and address built from these tables is made up.

// townshipWeight is each township-level unit's relative share of the county's migrant
// children (percent; the 24 weights sum to 100). Urban units where migrant children
// concentrate — the county seat 莲塘镇, 八月湖街道, 小蓝经济开发区 and 向塘镇 — are
// largest; the farm and reclamation units are smallest. Units not listed (a replaced
// division list) get defaultTownshipWeight.
var townshipWeight = map[string]float64{
	"360121001": 13,  // 八月湖街道
	"360121100": 20,  // 莲塘镇 (county seat)
	"360121101": 9,   // 向塘镇
	"360121102": 3,   // 三江镇
	"360121103": 2,   // 塘南镇
	"360121104": 3,   // 幽兰镇
	"360121105": 2,   // 蒋巷镇
	"360121106": 3,   // 武阳镇
	"360121107": 2,   // 冈上镇
	"360121108": 2,   // 广福镇
	"360121191": 3,   // 昌东镇
	"360121192": 3.5, // 麻丘镇
	"360121200": 1.5, // 泾口乡
	"360121201": 1.5, // 南新乡
	"360121202": 1.5, // 塔城乡
	"360121203": 2,   // 黄马乡
	"360121204": 1.5, // 富山乡
	"360121205": 2.5, // 东新乡
	"360121206": 2,   // 八一乡
	"360121403": 13,  // 小蓝经济开发区
	"360121404": 3,   // 南昌航空城
	"360121471": 5,   // 银三角管理委员会
	"360121501": 0.5, // 鲤鱼洲管理处
	"360121572": 0.5, // 江西省良种繁殖场
}

const defaultTownshipWeight = 2

// countySeat is the township whose first villages are all communities (社区).
const countySeat = "360121100"

type weighted struct {
	code   string
	weight float64
}

// jiangxiCounties are real county-level codes of Jiangxi outside Nanchang's central
// urban districts (进贤 and 安义 are counties of Nanchang city, so a move from them to
// Nanchang County crosses a county boundary). Weights favour populous neighbours and
// the large labour-exporting counties around Poyang Lake.
var jiangxiCounties = []weighted{
	{"360124", 10}, // 进贤县
	{"360123", 3},  // 安义县
	{"360981", 10}, // 丰城市
	{"361128", 9},  // 鄱阳县
	{"361127", 8},  // 余干县
	{"360428", 6},  // 都昌县
	{"360424", 5},  // 修水县
	{"360983", 5},  // 高安市
	{"360982", 4},  // 樟树市
	{"360425", 3},  // 永修县
	{"361129", 3},  // 万年县
	{"360281", 4},  // 乐平市
	{"361024", 3},  // 崇仁县
	{"361021", 2},  // 南城县
	{"360731", 4},  // 于都县
	{"360732", 3},  // 兴国县
	{"360730", 3},  // 宁都县
	{"360822", 2},  // 吉水县
	{"360826", 2},  // 泰和县
	{"360824", 2},  // 新干县
	{"360923", 2},  // 上高县
}

// otherProvinceCounties are real county codes of neighbouring provinces.
var otherProvinceCounties = []weighted{
	{"430626", 3}, // 湖南 平江县
	{"430624", 2}, // 湖南 湘阴县
	{"430621", 2}, // 湖南 岳阳县
	{"430223", 2}, // 湖南 攸县
	{"430422", 2}, // 湖南 衡南县
	{"430426", 2}, // 湖南 祁东县
	{"420222", 3}, // 湖北 阳新县
	{"340826", 2}, // 安徽 宿松县
	{"350821", 2}, // 福建 长汀县
}

// workCities are city codes where a parent not living with the child works.
var workCities = []string{"440300", "441900", "330100", "350200", "320500", "360100"}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
	"徐", "孙", "胡", "朱", "高", "林", "何", "郭", "罗", "熊", "万", "涂", "邓", "余"}

var childSyllables = []string{"子", "梓", "欣", "浩", "宇", "轩", "涵", "一", "诗", "雨",
	"思", "佳", "俊", "嘉", "明", "晨", "文", "博", "悦", "怡", "乐", "安", "可", "心",
	"泽", "睿", "辰", "芷", "若", "语", "鑫", "航"}

var adultSyllables = []string{"建", "国", "红", "华", "军", "平", "丽", "芳", "敏", "强",
	"伟", "勇", "霞", "燕", "玲", "春", "秀", "英", "林", "波", "琴", "兰", "海", "峰"}

var parentJobs = []string{"工厂工人", "建筑工人", "个体经营", "快递员", "外卖骑手",
	"餐饮服务员", "家政服务员", "货车司机", "商场销售", "保安", "装修工", "网约车司机"}

var grandparentJobs = []string{"务农", "退休", "无"}

var minorities = []string{"回族", "畲族", "苗族", "土家族"}

var disabilityTypes = []weighted{
	{"intellectual", 28}, {"physical", 26}, {"speech", 12}, {"hearing", 12},
	{"visual", 8}, {"mental", 7}, {"multiple", 7},
}

var disabilityGrades = []float64{10, 20, 30, 40} // grades 1..4
