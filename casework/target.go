package casework

// Target is an organisation or person a referral or a report goes to.
type Target string

// Targets of referrals (转介) and reports (报告).
const (
	TargetCounsellor   Target = "counsellor"    // 心理咨询师 / 心理疏导
	TargetSchool       Target = "school"        // 学校
	TargetHospital     Target = "hospital"      // 医院
	TargetPolice       Target = "police"        // 公安机关
	TargetCivilAffairs Target = "civil_affairs" // 民政部门
	TargetResource     Target = "resource"      // 其他服务资源 (charity, legal aid …)
	TargetPurchaser    Target = "purchaser"     // 采购人 (the city civil-affairs bureau)
	TargetGuardian     Target = "guardian"      // 监护人
	TargetProjectLead  Target = "project_lead"  // 项目负责人 (escalation)
)

// Targets lists every target.
func Targets() []Target {
	return []Target{TargetCounsellor, TargetSchool, TargetHospital, TargetPolice, TargetCivilAffairs,
		TargetResource, TargetPurchaser, TargetGuardian, TargetProjectLead}
}

// ReferralTargets lists the targets a referral may go to.
func ReferralTargets() []Target {
	return []Target{TargetCounsellor, TargetSchool, TargetHospital, TargetPolice, TargetCivilAffairs, TargetResource}
}

// Chinese returns the term used in generated documents.
func (t Target) Chinese() string {
	switch t {
	case TargetCounsellor:
		return "心理咨询师"
	case TargetSchool:
		return "学校"
	case TargetHospital:
		return "医院"
	case TargetPolice:
		return "公安机关"
	case TargetCivilAffairs:
		return "民政部门"
	case TargetResource:
		return "服务资源"
	case TargetPurchaser:
		return "采购人"
	case TargetGuardian:
		return "监护人"
	case TargetProjectLead:
		return "项目负责人"
	}
	return string(t)
}
