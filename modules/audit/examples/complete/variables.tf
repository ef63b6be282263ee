variable "region" {
  description = "Region of the trail's bucket and log group (the trail covers every region)."
  type        = string
  default     = "ap-northeast-1"
}

variable "name" {
  description = "Name of the trail."
  type        = string
  default     = "opsdeck-example"
}

variable "break_glass_role_arn" {
  description = "The only role that may delete the logs."
  type        = string
  default     = "arn:aws:iam::123456789012:role/break-glass"
}

variable "data_event_bucket_arns" {
  description = "Buckets whose object operations are recorded."
  type        = list(string)
  default     = []
}
