// Package democounty generates a deterministic, synthetic Nanchang County (南昌县, county
// code 360121) for examples, tests and benchmarks: the programme (welfare.Nanchang2025),
// the divisions with synthetic villages, the project team and its partners, 12,029
// migrant children (流动儿童, the SC-1 baseline) and their key-care ledger (重点台账,
// MS-2) with deliberate gaps for the AC-5 check.
//
//	c, err := democounty.Generate(democounty.Options{}) // the default county
//
// # Synthetic data: no real person
//
// Every person in a generated county is made up. Nothing is drawn from, or describes, a
// real child, guardian or staff member.
//
//   - Names join a common surname to one or two syllables from a short list.
//   - Mobile numbers count upwards from 13800000000 for guardians (1380000xxxx,
//     1380001xxxx …) and from 13900000000 for staff.
//   - Addresses are "示例路N号"; schools are "<township>示例小学NN" and the like.
//   - Villages and communities are invented: "示例村NN" and "示例社区NN", coded township
//     code + "001", "002" …; these are not the real village codes.
//   - Identity numbers are constructed, not collected: the real address code of the
//     child's registration county, the birth date, a random sequence whose parity gives
//     the sex, and a correct check character (GB 11643-1999, welfare.CheckCharacter), so
//     they pass validation. A constructed number can coincide with a real person's by
//     chance: never match demo data against real records.
//
// The real data used are public statistical codes: the county's 24 township-level
// units (DOMAIN §3, welfare.NanchangCounty) and the county codes of registration places.
//
// # Determinism
//
// Equal Options give an equal County, byte for byte: randomness comes only from a
// math/rand/v2 PCG seeded with Options.Seed, IDs from welfare.NewSeededIDs(seed), and
// every date and time from Options.AsOf (never the clock). County.Fingerprint hashes the
// whole county; the package example pins the default county's fingerprint.
//
// # Distributions
//
// Rows marked "quota" are exact: round(N × share) children are chosen at random (so the
// default county's counts below are exact); the others are independent draws per child.
// Shares are of all N children unless stated.
//
//	Attribute               Rule                                                    Default county (N = 12,029)
//	----------------------  ------------------------------------------------------  ---------------------------
//	Township of residence   weighted, % of children: 莲塘镇 20, 八月湖街道 13,      every one of the 24 has
//	                        小蓝经济开发区 13, 向塘镇 9, 银三角 5, 麻丘镇 3.5,        children; the four urban
//	                        航空城/三江/幽兰/武阳/昌东 3, 东新 2.5, 其余 1.5–2,       units are the largest
//	                        鲤鱼洲管理处 and 良种繁殖场 0.5 each (DOMAIN §3)
//	Village/community       4 + ⌊weight/2⌋ per township, capped at 4–12; 社区         135 villages, 1 director each
//	                        weigh 1.6, 村 1.0, each × U(0.6, 1.4)
//	Geo point               uniform within 3 km of its village centre; villages      lat ≈ 28.55 ± 0.3,
//	                        within 4 km of the township centre; townships within    lng ≈ 115.94 ± 0.3
//	                        ±0.2° of (28.55, 115.94)
//	Age on AsOf             whole years 0–15, weights 4,5,5,6,6,6,7×6,6.5,6.5,6,5.5
//	                        (age 0 means 200 days to 1 year old)
//	  turned 16 ≤ 60 d ago  quota 0.3%: still monitored, exit due (aged out, §1)     36
//	  under 6 months old    quota 0.4%: identified only, not yet eligible            48
//	Sex                     52% male                                                 ≈ 52%
//	Ethnicity               99.4% 汉族; else 回族, 畲族, 苗族 or 土家族
//	Registration (户籍地)   Jiangxi counties outside Nanchang's central districts   ≈ 89%
//	                        (21 real codes, weighted: 进贤, 丰城, 鄱阳, 余干 …);
//	                        9% other provinces (湖南, 湖北, 安徽, 福建: 9 codes)    ≈ 9%
//	  cross-township        quota 0.6% + 0.6%: registered in another township of    72 asked for help
//	                        360121 (statistics-only group, §1); half asked for      (monitored, key),
//	                        help (HelpRequested, MS-2), half did not                72 identified only
//	Identity number         70% have one (the rest none recorded, DOMAIN §4); the   ≈ 70%
//	                        address code is the registration county's (360121 for
//	                        cross-township children); sex and birth date agree
//	Arrival date            uniform over the past 10 years, after birth and more    361 recent (quota 3%,
//	                        than 190 days ago; recent arrivals: 5–175 days ago      identified only)
//	Moved with guardian     yes, except quota 0.5% (identified only, not eligible)  60 without
//	Guardians               father+mother 68%, mother 12%, father 8%, a parent +
//	                        grandparent 6%, grandparent 3%, relative/entrusted 3%;
//	                        capacity full 95%, limited 4%, none 1% (grandparents
//	                        70/30 full/limited; at least one capable unless below);
//	                        phone 95% (grandparents 70%); 10% of fathers in two-
//	                        guardian families work away (WorkRegion)
//	  no capable guardian   quota 0.3%: every guardian Capacity none (监护缺失)       36
//	Schooling               by age on 1 September of the school year: <3 at home,   not enrolled / dropped out
//	                        3–5 kindergarten (15% at home), 6–11 primary, 12–14     each ≈ 0.3%
//	                        junior, 15+ senior 60% / vocational 25% / junior 10% /
//	                        dropped out 5%; 0.3% not enrolled (6–14), 0.8% dropped
//	                        out (12–14); boarding 20% from junior school
//	Residence permit        yes 62%, no 33%, not recorded 5%
//	Medical insurance       yes 91%, no 6%, not recorded 3%
//	Health                  quota: chronic 3%, serious 0.7%, else good               361 chronic, 84 serious
//	Disability              quota 1.5% of all, among children aged 1+; types         180
//	                        intellectual 28, physical 26, speech 12, hearing 12,
//	                        visual 8, mental 7, multiple 7; grades 1–4: 10/20/30/40%
//	Economic status         quota: dibao 3%, tekun 0.5%, low income 4%, else        361 / 60 / 481
//	                        ordinary
//	Vagrant (流浪)          quota 0.1%, among children aged 10+                      12
//	Mental-state concern    quota 1%, among children aged 6+: Status["mental"] with  120
//	                        Concern, Source kind "survey"
//	Key-eligible (MS-2)     follows from the rows above under the programme's        823 (6.8%)
//	                        KeyCategories (welfare.KeyEligibility)
//	Ledger entries          one per derived category, opened within 14 days of       774 entries
//	                        identification by the township's social worker; reviews
//	                        every ReviewMonths, each done with probability 0.92 (the
//	                        rest leave an overdue ReviewDue); closed on exit
//	  ledger gaps (AC-5)    quota 8% of key-eligible children not exited: no entry   65 of 813
//	Lifecycle (MS-1)        see below                                                11,344 monitored,
//	                                                                                 541 identified, 144 exited
//	  exited                quota 0.8% returned (ReturnedHome), 0.4% registration    96 returned,
//	                        moved to the township they live in (hukou_moved)        48 hukou_moved
//
// # Lifecycle
//
// A child is identified (identified, 新增) by the village's child director on the
// baseline-survey day (a day in the programme's first 90 days) or 7–45 days after
// arriving, whichever is later. Children who meet the eligibility rule (six months in
// the county, under 16, moved with a guardian, registered in another county) or who are
// cross-township children asking for help move to monitored (在册) 1–20 days later, but
// not before their six months are up; the confirming actor is the township's social
// worker. The rest stay identified: under-six-month infants, recent arrivals, children
// who did not move with a guardian, and cross-township children who did not ask for help
// (statistics only). Exits (退出) come 30–150 days after monitoring starts. Every event
// lies before AsOf, is recorded in working hours (Beijing time, stored in UTC to the
// microsecond), and follows the transitions MS-1 allows.
//
// # Staff
//
// One project lead, five social workers and one psychological counsellor (TM-1 met), two
// purchaser's auditors, all scoped to the county; one child supervisor (儿童督导员) per
// township; one child director (儿童主任) per village or community; station staff (民政服务
// 站工作人员) in the eight largest townships; twelve 童伴妈妈 volunteers in the first
// village of the twelve largest townships. Each child's UpdatedBy is the child director
// of the child's village, who surveyed the child; CreatedAt and UpdatedAt are the start
// of AsOf (Beijing midnight) in UTC; Version is 0 (stores set versions).
package democounty
