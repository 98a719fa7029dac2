import DLCIR

extension Fixture {
  /// Every op `@train_step` adds (training forms, backward ops, optimizer updates) at
  /// least once, in valid IR.
  static let trainingOps = """
    module @training_ops {
      param @conv.weight : tensor<4x1x3x3xf32>
      param @conv.weight_mask : tensor<4x1x3x3xf32> {role = "mask", trainable = false}
      param @bn.gamma : tensor<4xf32>
      param @bn.beta : tensor<4xf32>
      param @bn.running_mean : tensor<4xf32> {trainable = false}
      param @bn.running_var : tensor<4xf32> {trainable = false}
      param @dense.weight : tensor<10x64xf32>
      param @emb.table : tensor<50x8xf32>
      param @attn.w_qkv : tensor<24x8xf32>
      param @attn.b_qkv : tensor<24xf32>
      param @attn.w_out : tensor<8x8xf32>
      param @attn.b_out : tensor<8xf32>
      param @ln.gamma : tensor<8xf32>
      param @gn.gamma : tensor<6xf32>
      param @conv.weight.momentum_buffer : tensor<4x1x3x3xf32> {state = "optimizer", trainable = false}
      param @dense.weight.exp_avg : tensor<10x64xf32> {state = "optimizer", trainable = false}
      param @dense.weight.exp_avg_sq : tensor<10x64xf32> {state = "optimizer", trainable = false}
      param @dense.weight.max_exp_avg_sq : tensor<10x64xf32> {state = "optimizer", trainable = false}
      param @bn.beta.square_avg : tensor<4xf32> {state = "optimizer", trainable = false}
      param @bn.beta.grad_avg : tensor<4xf32> {state = "optimizer", trainable = false}

      func @images(%image: tensor<Nx1x8x8xf32>, %target: tensor<Nxi32>, %lr: tensor<f32>, %step: tensor<i64>) -> (tensor<f32>) {
        %conv = conv2d(%image, @conv.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : tensor<Nx4x8x8xf32>
        %bn, %bn.mean, %bn.invstd = batchnorm_train(%conv, @bn.gamma, @bn.beta, @bn.running_mean, @bn.running_var) {eps = 1e-05, momentum = 0.1} : tensor<Nx4x8x8xf32>, tensor<4xf32>, tensor<4xf32>
        %max = maxpool2d(%bn) {padding = [0, 0], size = [2, 2], stride = [2, 2]} : tensor<Nx4x4x4xf32>
        %avg = avgpool2d(%max) {padding = [1, 1], size = [3, 3], stride = [1, 1]} : tensor<Nx4x4x4xf32>
        %flat = flatten(%avg) : tensor<Nx64xf32>
        %drop = dropout_train(%flat, %step) {rate = 0.5, stream = 0} : tensor<Nx64xf32>
        %logits = dense(%drop, @dense.weight) : tensor<Nx10xf32>
        %loss = cross_entropy(%logits, %target) {label_smoothing = 0.0} : tensor<f32>
        %logits.grad = cross_entropy_grad(%logits, %target) {label_smoothing = 0.0} : tensor<Nx10xf32>
        %drop.grad = dense_grad_input(%logits.grad, @dense.weight) : tensor<Nx64xf32>
        %dense.weight.grad = dense_grad_weight(%logits.grad, %drop) : tensor<10x64xf32>
        adam_update(@dense.weight, %dense.weight.grad, @dense.weight.exp_avg, @dense.weight.exp_avg_sq, @dense.weight.max_exp_avg_sq, %lr, %step) {amsgrad = true, beta1 = 0.9, beta2 = 0.999, decoupled = true, eps = 1e-08, weight_decay = 0.01}
        %flat.grad = dropout_grad(%drop.grad, %step) {rate = 0.5, stream = 0} : tensor<Nx64xf32>
        %avg.grad = reshape(%flat.grad) {shape = [4, 4, 4]} : tensor<Nx4x4x4xf32>
        %max.grad = avgpool2d_grad(%avg.grad) {padding = [1, 1], size = [3, 3], stride = [1, 1]} : tensor<Nx4x4x4xf32>
        %bn.grad = maxpool2d_grad(%max.grad, %bn) {padding = [0, 0], size = [2, 2], stride = [2, 2]} : tensor<Nx4x8x8xf32>
        %conv.grad, %bn.gamma.grad, %bn.beta.grad = batchnorm_grad(%bn.grad, %conv, @bn.gamma, %bn.mean, %bn.invstd) : tensor<Nx4x8x8xf32>, tensor<4xf32>, tensor<4xf32>
        %image.grad = conv2d_grad_input(%conv.grad, @conv.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : tensor<Nx1x8x8xf32>
        %conv.weight.grad = conv2d_grad_weight(%conv.grad, %image) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : tensor<4x1x3x3xf32>
        %conv.bias.grad = conv2d_grad_bias(%conv.grad) : tensor<4xf32>
        sgd_update(@conv.weight, %conv.weight.grad, @conv.weight.momentum_buffer, %lr, %step) {dampening = 0.0, momentum = 0.9, nesterov = true, weight_decay = 0.0001}
        apply_mask(@conv.weight, @conv.weight_mask)
        sgd_update(@bn.gamma, %bn.gamma.grad, %lr, %step) {dampening = 0.0, momentum = 0.0, nesterov = false, weight_decay = 0.0}
        rmsprop_update(@bn.beta, %bn.beta.grad, @bn.beta.square_avg, @bn.beta.grad_avg, %lr, %step) {alpha = 0.99, centered = true, eps = 1e-08, momentum = 0.0, weight_decay = 0.0}
        return %loss
      }

      func @sequence(%ids: tensor<Nx6xi32>, %step: tensor<i64>) -> (tensor<Nx6x8xf32>, tensor<50x8xf32>) {
        %embed = embedding(%ids, @emb.table) : tensor<Nx6x8xf32>
        %attn, %attn.qkv, %attn.probs, %attn.context = self_attention_train(%embed, @attn.w_qkv, @attn.b_qkv, @attn.w_out, @attn.b_out, %step) {bias = true, causal = true, dropout = 0.1, heads = 2, stream = 0} : tensor<Nx6x8xf32>, tensor<Nx6x24xf32>, tensor<Nx2x6x6xf32>, tensor<Nx6x8xf32>
        %attn.grad, %ln.gamma.grad, %ln.beta.grad = layernorm_grad(%attn, %attn, @ln.gamma) {eps = 1e-05} : tensor<Nx6x8xf32>, tensor<8xf32>, tensor<8xf32>
        %embed.grad, %attn.w_qkv.grad, %attn.b_qkv.grad, %attn.w_out.grad, %attn.b_out.grad = self_attention_grad(%attn.grad, %embed, %attn.qkv, %attn.probs, %attn.context, @attn.w_qkv, @attn.w_out, %step) {bias = true, causal = true, dropout = 0.1, heads = 2, stream = 0} : tensor<Nx6x8xf32>, tensor<24x8xf32>, tensor<24xf32>, tensor<8x8xf32>, tensor<8xf32>
        %emb.table.grad = embedding_grad(%embed.grad, %ids) : tensor<50x8xf32>
        %gn.grad, %gn.gamma.grad, %gn.beta.grad = groupnorm_grad(%embed, %embed, @gn.gamma) {eps = 1e-05, groups = 3} : tensor<Nx6x8xf32>, tensor<6xf32>, tensor<6xf32>
        %plain.grad = groupnorm_grad(%embed, %embed) {eps = 1e-05, groups = 6} : tensor<Nx6x8xf32>
        %bias.grad = dense_grad_bias(%embed.grad) : tensor<8xf32>
        %mean = global_avgpool(%embed) : tensor<Nx8xf32>
        %mean.grad = global_avgpool_grad(%mean) : tensor<Nx6x8xf32>
        %part = slice(%embed.grad) {axis = -1, length = 3, start = 2} : tensor<Nx6x3xf32>
        return %embed.grad, %emb.table.grad
      }

      func @activations(%x: tensor<Nx10xf32>, %dy: tensor<Nx10xf32>) -> (tensor<Nx10xf32>) {
        %relu = relu_grad(%dy, %x) : tensor<Nx10xf32>
        %leaky = leaky_relu_grad(%dy, %x) {slope = 0.01} : tensor<Nx10xf32>
        %sigmoid = sigmoid_grad(%dy, %x) : tensor<Nx10xf32>
        %tanh = tanh_grad(%dy, %x) : tensor<Nx10xf32>
        %gelu = gelu_grad(%dy, %x) {approximate = "tanh"} : tensor<Nx10xf32>
        %elu = elu_grad(%dy, %x) {alpha = 1.0} : tensor<Nx10xf32>
        %expr = expression_grad(%dy, %x) {derivative = "where(x > 0, 1, 0.01)", expr = "where(x > 0, x, 0.01 * x)"} : tensor<Nx10xf32>
        %selu = selu_grad(%dy, %x) : tensor<Nx10xf32>
        %celu = celu_grad(%dy, %x) {alpha = 0.8} : tensor<Nx10xf32>
        %silu = silu_grad(%dy, %x) : tensor<Nx10xf32>
        %swish = swish_grad(%dy, %x) {beta = 1.5} : tensor<Nx10xf32>
        %mish = mish_grad(%dy, %x) : tensor<Nx10xf32>
        %elish = elish_grad(%dy, %x) : tensor<Nx10xf32>
        %hard_elish = hard_elish_grad(%dy, %x) : tensor<Nx10xf32>
        %serlu = serlu_grad(%dy, %x) {alpha = 2.90427, lambda = 1.07862} : tensor<Nx10xf32>
        %softplus = softplus_grad(%dy, %x) {beta = 1.0, threshold = 20.0} : tensor<Nx10xf32>
        %log_sigmoid = log_sigmoid_grad(%dy, %x) : tensor<Nx10xf32>
        %shifted_relu = shifted_relu_grad(%dy, %x) {shift = 0.5} : tensor<Nx10xf32>
        %softsign = softsign_grad(%dy, %x) : tensor<Nx10xf32>
        %hard_sigmoid = hard_sigmoid_grad(%dy, %x) : tensor<Nx10xf32>
        %hard_swish = hard_swish_grad(%dy, %x) : tensor<Nx10xf32>
        %hard_tanh = hard_tanh_grad(%dy, %x) {max = 1.0, min = -1.0} : tensor<Nx10xf32>
        %relu6 = relu6_grad(%dy, %x) : tensor<Nx10xf32>
        %log_softmax = log_softmax_grad(%dy, %x) {axis = -1} : tensor<Nx10xf32>
        %softmax = softmax_grad(%dy, %x) {axis = -1} : tensor<Nx10xf32>
        %mse = mse_grad(%x, %dy) : tensor<Nx10xf32>
        %mae = mae_grad(%x, %dy) : tensor<Nx10xf32>
        %bce = bce_with_logits_grad(%x, %dy) {pos_weight = 2.0} : tensor<Nx10xf32>
        return %relu
      }
    }

    """
}
