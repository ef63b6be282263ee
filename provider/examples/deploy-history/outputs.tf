output "deploy_id" {
  description = "The record of this deploy; the pipeline marks it if the checks after the deploy fail."
  value       = opsdeck_deploy_record.app.deploy_id
}

output "previous_version" {
  description = "The version this deploy followed."
  value       = opsdeck_deploy_record.app.previous_version
}

output "rollback_version" {
  description = "What a rollback applies: the newest succeeded version other than the current one."
  value       = data.opsdeck_deploy_history.app.previous_succeeded
}

output "recent_deploys" {
  description = "The last ten deploys, newest first."
  value = [for d in data.opsdeck_deploy_history.app.deploys : {
    version     = d.version
    result      = d.result
    deployer    = d.deployer
    deployed_at = d.deployed_at
    release_url = d.release_url
  }]
}
