package store

// PortalRequests are the portal's records of its consumers' requests (adapter/api): who asked
// what, the document to sign, the ШЭП messageId it went out with, the answer and the survey.
// Migrations 400–499.
type PortalRequests interface{}
