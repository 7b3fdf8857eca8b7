output "endpoint_names" {
  description = "Names of the endpoints, in input order."
  value       = [for endpoint in var.endpoints : aws_sagemaker_endpoint.this[endpoint.name].name]
}

output "endpoint_arns" {
  description = "ARNs of the endpoints by name."
  value       = { for name, endpoint in aws_sagemaker_endpoint.this : name => endpoint.arn }
}

output "endpoint_config_names" {
  description = "Endpoint configuration names by endpoint name."
  value       = { for name, config in aws_sagemaker_endpoint_configuration.this : name => config.name }
}

output "model_names" {
  description = "Model names by endpoint name."
  value       = { for name, model in aws_sagemaker_model.this : name => model.name }
}

output "encryption" {
  description = "Keys of each endpoint configuration by endpoint name: volume_kms_key_arn (ML storage volume) and output_kms_key_id (async outputs)."
  value = {
    for name, config in aws_sagemaker_endpoint_configuration.this : name => {
      volume_kms_key_arn = config.kms_key_arn
      output_kms_key_id  = one(one(config.async_inference_config).output_config).kms_key_id
    }
  }
}

output "output_config" {
  description = "Async output settings of each endpoint configuration by endpoint name: s3_output_path, s3_failure_path, success_topic, error_topic."
  value = {
    for name, config in aws_sagemaker_endpoint_configuration.this : name => {
      s3_output_path  = one(one(config.async_inference_config).output_config).s3_output_path
      s3_failure_path = one(one(config.async_inference_config).output_config).s3_failure_path
      success_topic   = try(one(one(one(config.async_inference_config).output_config).notification_config).success_topic, null)
      error_topic     = try(one(one(one(config.async_inference_config).output_config).notification_config).error_topic, null)
    }
  }
}
