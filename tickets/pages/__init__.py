"""Staff pages of the SLA side of tickets: service hours and SLA settings, and the reports."""
