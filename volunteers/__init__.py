"""Volunteer signup, opportunities, shifts, skills, hours, trainings and recognition."""
