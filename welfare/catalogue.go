package welfare

import (
	"fmt"
	"io"
)

// Service is one entry of the care-service catalogue (关爱服务基础清单, SL-1).
type Service struct {
	Code string `json:"code" validate:"required"`
	Name string `json:"name" validate:"required"` // Chinese
	// Area is the 民发〔2024〕35号 area the service belongs to (one of CatalogueAreas).
	Area string `json:"area" validate:"required"`
	// VisitService marks services a visit's 四服务 may record (VS-6).
	VisitService bool `json:"visit_service,omitempty"`
}

// Catalogue is the editable service list a programme offers.
type Catalogue struct {
	Version  string    `json:"version" validate:"required"`
	Areas    []string  `json:"areas" validate:"min=1"`
	Services []Service `json:"services" validate:"min=1,dive"`
}

// DefaultCatalogue holds the 35号 action plan's six areas and the seed's four visit
// services (四服务). The action plan's 19 basic services are published locally; a county
// loads its own list with LoadCatalogue and refines it from children's needs (SL-1).
func DefaultCatalogue() *Catalogue {
	return &Catalogue{
		Version: "2025-seed",
		Areas:   []string{"幼有所育", "学有所教", "病有所医", "住有所居", "弱有所扶", "发展保障"},
		Services: []Service{
			{Code: "life_help", Name: "生活帮助服务", Area: "弱有所扶", VisitService: true},
			{Code: "study_tutoring", Name: "学习辅导服务", Area: "学有所教", VisitService: true},
			{Code: "recreation", Name: "文体娱乐服务", Area: "发展保障", VisitService: true},
			{Code: "psych_comfort", Name: "心理慰藉服务", Area: "病有所医", VisitService: true},
			{Code: "policy_application", Name: "协助申请救助帮扶政策", Area: "弱有所扶"},
			{Code: "resource_linking", Name: "链接服务资源", Area: "发展保障"},
		},
	}
}

// Service returns the entry for code.
func (c *Catalogue) Service(code string) (Service, bool) {
	for _, s := range c.Services {
		if s.Code == code {
			return s, true
		}
	}
	return Service{}, false
}

// Validate checks fields, unique codes and that every service's area is listed.
func (c *Catalogue) Validate() error {
	var fields []FieldError
	if err := NewValidator().Struct(c); err != nil {
		ve, ok := err.(*ValidationError)
		if !ok {
			return err
		}
		fields = ve.Fields
	}
	areas := map[string]bool{}
	for _, a := range c.Areas {
		areas[a] = true
	}
	seen := map[string]bool{}
	for i, s := range c.Services {
		if seen[s.Code] {
			fields = append(fields, FieldError{Field: fmt.Sprintf("Services[%d].Code", i), Rule: "unique"})
		}
		seen[s.Code] = true
		if s.Area != "" && !areas[s.Area] {
			fields = append(fields, FieldError{Field: fmt.Sprintf("Services[%d].Area", i), Rule: "oneof", Param: "Areas"})
		}
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// LoadCatalogue reads a catalogue from JSON or YAML and validates it.
func LoadCatalogue(r io.Reader) (*Catalogue, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("welfare: read catalogue: %w", err)
	}
	var c Catalogue
	if err := decodeStrict(data, &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
