package zendesk

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// readTicketBody decodes {"ticket": {...}}; unknown fields are ignored, as
// Zendesk ignores them.
func readTicketBody(w http.ResponseWriter, r *http.Request) (api.TicketInput, bool) {
	var body struct {
		Ticket *api.TicketInput `json:"ticket"`
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(b, &body)
	}
	switch {
	case err != nil:
		badRequest(w, api.ErrInvalidValue, "the body is not valid JSON: "+err.Error())
		return api.TicketInput{}, false
	case body.Ticket == nil:
		badRequest(w, api.ErrInvalidValue, `the body must be an object with a "ticket" object`)
		return api.TicketInput{}, false
	}
	return *body.Ticket, true
}

// validateFields checks the enumerated fields of a create or update and
// adds Zendesk-style details for each bad one.
func validateFields(in api.TicketInput, details map[string][]api.ErrorDetail) {
	check := func(field, label string, v *string, allowed []string) {
		if v != nil && *v != "" && !slices.Contains(allowed, *v) {
			details[field] = append(details[field], api.ErrorDetail{
				Description: fmt.Sprintf("%s: %s is not valid (one of %s)", label, *v, strings.Join(allowed, ", ")),
				Error:       "InvalidValue",
			})
		}
	}
	check("status", "Status", in.Status, api.Statuses)
	check("priority", "Priority", in.Priority, api.Priorities)
	check("type", "Type", in.Type, api.Types)
}

func emptyToNil(p *string) *string {
	if p == nil || *p == "" {
		return nil
	}
	return ptr(*p)
}

// createTicket serves POST /api/v2/tickets: the requester is requester_id,
// or requester {email, name} (found by email or created), or the agent
// calling. The first comment becomes the description.
func (s *server) createTicket(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	in, ok := readTicketBody(w, r)
	if !ok {
		return
	}
	details := map[string][]api.ErrorDetail{}
	validateFields(in, details)
	if in.Comment == nil || strings.TrimSpace(in.Comment.Body) == "" {
		details["description"] = append(details["description"], api.ErrorDetail{Description: "Description: cannot be blank", Error: "BlankValue"})
	}
	if in.Status != nil && *in.Status == api.StatusClosed {
		details["status"] = append(details["status"], api.ErrorDetail{Description: "Status: a new ticket cannot be closed", Error: "InvalidValue"})
	}
	if in.Requester != nil && !strings.Contains(in.Requester.Email, "@") {
		details["requester"] = append(details["requester"], api.ErrorDetail{Description: "Requester: Email is not properly formatted", Error: "InvalidValue"})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var requester int64
	switch {
	case in.RequesterID != nil:
		if _, known := s.users[*in.RequesterID]; known {
			requester = *in.RequesterID
		} else {
			details["requester"] = append(details["requester"], api.ErrorDetail{Description: fmt.Sprintf("Requester: user %d does not exist", *in.RequesterID), Error: "InvalidValue"})
		}
	case in.Requester != nil:
		// resolved below, once the request is known to be valid
	case s.agentID != 0:
		requester = s.agentID
	default:
		details["requester"] = append(details["requester"], api.ErrorDetail{Description: "Requester: cannot be blank", Error: "BlankValue"})
	}
	if len(details) > 0 {
		invalidRecord(w, details)
		return
	}
	now := s.now()
	if in.RequesterID == nil && in.Requester != nil {
		requester = s.requesterByEmail(*in.Requester, now)
	}
	t := &api.Ticket{
		ID:               s.nextTicketID,
		Via:              api.Via{Channel: "api"},
		CreatedAt:        now,
		UpdatedAt:        now,
		Subject:          deref(in.Subject),
		RawSubject:       deref(in.Subject),
		Description:      in.Comment.Body,
		Status:           api.StatusNew,
		Priority:         emptyToNil(in.Priority),
		Type:             emptyToNil(in.Type),
		RequesterID:      requester,
		SubmitterID:      requester,
		GroupID:          ptr(GroupID),
		TicketFormID:     ptr(TicketFormID),
		BrandID:          ptr(BrandID),
		ExternalID:       emptyToNil(in.ExternalID),
		IsPublic:         in.Comment.Public == nil || *in.Comment.Public,
		AllowAttachments: true,
		Tags:             append([]string{}, in.Tags...),
	}
	if s.agentID != 0 {
		t.SubmitterID = s.agentID
	}
	if in.Status != nil && *in.Status != "" {
		t.Status = *in.Status
	}
	if t.Status != api.StatusNew && s.agentID != 0 {
		t.AssigneeID = ptr(s.agentID)
	}
	normalizeTicket(t)
	s.addTicket(t)
	out := s.ticketOut(r, t)
	w.Header().Set("Location", out.URL)
	writeJSON(w, http.StatusCreated, api.TicketResponse{Ticket: out})
}

// requesterByEmail finds the user with the email, or creates an end user,
// as Zendesk does for a ticket whose requester is given by email.
func (s *server) requesterByEmail(req api.Requester, now time.Time) int64 {
	email := strings.TrimSpace(req.Email)
	if ids := s.byEmail[strings.ToLower(email)]; len(ids) > 0 {
		return ids[0]
	}
	name := req.Name
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	u := &api.User{
		ID:         s.nextUserID,
		Name:       name,
		Email:      &email,
		CreatedAt:  now,
		UpdatedAt:  now,
		Locale:     req.Locale,
		Role:       api.RoleEndUser,
		Active:     true,
		Tags:       []string{},
		UserFields: map[string]any{},
	}
	normalizeUser(u)
	s.addUser(u)
	return u.ID
}

// updateTicket serves PUT /api/v2/tickets/{id}: status, priority, type,
// subject, tags, and a comment.
func (s *server) updateTicket(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	id, ok := pathID(r)
	if !ok {
		WriteError(w, r, http.StatusNotFound, "")
		return
	}
	in, ok := readTicketBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tickets[id]
	if t == nil {
		WriteError(w, r, http.StatusNotFound, "")
		return
	}
	details := map[string][]api.ErrorDetail{}
	validateFields(in, details)
	if t.Status == api.StatusClosed {
		details["status"] = append(details["status"], api.ErrorDetail{Description: "Status: closed prevents ticket update", Error: "InvalidValue"})
	}
	if in.Status != nil && *in.Status == api.StatusNew && t.Status != api.StatusNew {
		details["status"] = append(details["status"], api.ErrorDetail{Description: "Status: a ticket cannot go back to new", Error: "InvalidValue"})
	}
	if in.Status != nil && *in.Status == "" {
		details["status"] = append(details["status"], api.ErrorDetail{Description: "Status: cannot be blank", Error: "BlankValue"})
	}
	if len(details) > 0 {
		invalidRecord(w, details)
		return
	}

	now := s.now()
	audit := api.Audit{ID: s.nextAuditID, TicketID: t.ID, CreatedAt: now, AuthorID: s.agentID, Events: []api.AuditEvent{}}
	s.nextAuditID++
	change := func(field string, prev, next any) {
		audit.Events = append(audit.Events, api.AuditEvent{ID: audit.ID*100 + int64(len(audit.Events)) + 1, Type: "Change", FieldName: field, Value: next, PreviousValue: prev})
	}
	if in.Status != nil && *in.Status != t.Status {
		change("status", t.Status, *in.Status)
		t.Status = *in.Status
		// Zendesk assigns a ticket to the agent who moves it on from new.
		if t.AssigneeID == nil && s.agentID != 0 {
			t.AssigneeID = ptr(s.agentID)
			change("assignee_id", nil, strconv.FormatInt(s.agentID, 10))
		}
	}
	if in.Priority != nil && deref(in.Priority) != deref(t.Priority) {
		change("priority", t.Priority, *in.Priority)
		t.Priority = emptyToNil(in.Priority)
	}
	if in.Type != nil && deref(in.Type) != deref(t.Type) {
		change("type", t.Type, *in.Type)
		t.Type = emptyToNil(in.Type)
	}
	if in.Subject != nil && *in.Subject != t.Subject {
		change("subject", t.Subject, *in.Subject)
		t.Subject, t.RawSubject = *in.Subject, *in.Subject
	}
	if in.Tags != nil {
		change("tags", t.Tags, in.Tags)
		t.Tags = append([]string{}, in.Tags...)
	}
	if in.Comment != nil && strings.TrimSpace(in.Comment.Body) != "" {
		public := in.Comment.Public == nil || *in.Comment.Public
		audit.Events = append(audit.Events, api.AuditEvent{ID: audit.ID*100 + int64(len(audit.Events)) + 1, Type: "Comment", Body: in.Comment.Body, Public: &public})
	}
	t.UpdatedAt = now
	writeJSON(w, http.StatusOK, api.TicketUpdateResponse{Ticket: s.ticketOut(r, t), Audit: audit})
}
