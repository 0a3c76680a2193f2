"""Teacher collection: tasks x scaffolds x k attempts -> Harbor job directories with ATIF."""
