"""Business rules of Kotipiha as plain functions, testable without a request."""
