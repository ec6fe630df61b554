"""What goes back out to the people who send the data: templates to fill (issue 13)."""
