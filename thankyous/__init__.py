"""Acknowledgments (one per thing thanked), their templates, rendering and the nightly batch."""
