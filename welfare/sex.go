package welfare

// Sex of a child or staff member as recorded.
type Sex string

// Recorded sexes. The zero value means not recorded.
const (
	SexUnknown Sex = ""
	SexMale    Sex = "male"
	SexFemale  Sex = "female"
)

// Chinese returns the term used in generated documents.
func (s Sex) Chinese() string {
	switch s {
	case SexMale:
		return "男"
	case SexFemale:
		return "女"
	}
	return "未知"
}
