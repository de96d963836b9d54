"""Files attached to messages: uploads, verified contents, quota, thumbnails."""
