"""Drafts: a learner's unfinished code per problem and language, kept on the server."""
