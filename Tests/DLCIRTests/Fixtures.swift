import DLCIR

/// Hand-written IR texts shared by the tests of this target.
enum Fixture {
  /// The example from the design notes: an MLP with dropout and a smoothed loss.
  static let digitsMLP = """
    module @digits_mlp attributes {data = {features = 64, source = {csv = "data/digits.csv"}, task = "classification"}, seed = 42} {
      param @dense_1.weight : tensor<128x64xf32> {init = {gain = 1.0, kind = "xavier_uniform"}, role = "weight"} loc("specs/digits_mlp.yaml":14:7)
      param @dense_1.bias : tensor<128xf32> {init = {kind = "zeros"}, role = "bias"} loc("specs/digits_mlp.yaml":14:7)
      param @dense_2.weight : tensor<10x128xf32> {init = {gain = 1.0, kind = "xavier_uniform"}, role = "weight", trainable = false} loc("specs/digits_mlp.yaml":18:7)
      param @dense_2.bias : tensor<10xf32> {init = {kind = "zeros"}, role = "bias", trainable = false} loc("specs/digits_mlp.yaml":18:7)

      func @predict(%input: tensor<Nx64xf32>) -> (tensor<Nx10xf32>) {
        %dense_1 = dense(%input, @dense_1.weight, @dense_1.bias) : tensor<Nx128xf32> loc("specs/digits_mlp.yaml":14:7)
        %relu_1 = relu(%dense_1) : tensor<Nx128xf32> loc("specs/digits_mlp.yaml":16:7)
        %dropout_1 = dropout(%relu_1) {rate = 0.2} : tensor<Nx128xf32> loc("specs/digits_mlp.yaml":17:7)
        %dense_2 = dense(%dropout_1, @dense_2.weight, @dense_2.bias) : tensor<Nx10xf32> loc("specs/digits_mlp.yaml":18:7)
        return %dense_2
      }

      func @loss(%output: tensor<Nx10xf32>, %target: tensor<Nxi32>) -> (tensor<f32>) {
        %loss = cross_entropy(%output, %target) {label_smoothing = 0.1} : tensor<f32> loc("specs/digits_mlp.yaml":21:7)
        return %loss
      }
    }

    """

  /// Every op of the registry at least once, in valid IR.
  static let everyOp = """
    module @every_op {
      param @conv.weight : tensor<4x1x3x3xf32> {role = "weight"}
      param @conv.bias : tensor<4xf32> {role = "bias"}
      param @bn.gamma : tensor<4xf32>
      param @bn.beta : tensor<4xf32>
      param @bn.running_mean : tensor<4xf32> {trainable = false}
      param @bn.running_var : tensor<4xf32> {trainable = false}
      param @gn.gamma : tensor<4xf32>
      param @gn.beta : tensor<4xf32>
      param @dense.weight : tensor<10x64xf32>
      param @dense.bias : tensor<10xf32>
      param @proj.weight : tensor<10x4xf32>
      param @emb.table : tensor<50x8xf32>
      param @attn.w_qkv : tensor<24x8xf32>
      param @attn.b_qkv : tensor<24xf32>
      param @attn.w_out : tensor<8x8xf32>
      param @attn.b_out : tensor<8xf32>
      param @ln.gamma : tensor<8xf32>
      param @ln.beta : tensor<8xf32>
      param @attn-2.w_qkv : tensor<24x8xf32>
      param @attn-2.w_out : tensor<8x8xf32>
      param @seq.weight : tensor<8x8xf32>

      func @images(%image: tensor<Nx1x8x8xf32>) -> (tensor<Nx10xf32>, tensor<Nx20xf32>, tensor<Nx4x16xf32>) {
        %conv = conv2d(%image, @conv.weight, @conv.bias) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : tensor<Nx4x8x8xf32>
        %bn = batchnorm(%conv, @bn.gamma, @bn.beta, @bn.running_mean, @bn.running_var) {eps = 1e-05, momentum = 0.1} : tensor<Nx4x8x8xf32>
        %relu = relu(%bn) : tensor<Nx4x8x8xf32>
        %max = maxpool2d(%relu) {padding = [0, 0], size = [2, 2], stride = [2, 2]} : tensor<Nx4x4x4xf32>
        %avg = avgpool2d(%max) {padding = [1, 1], size = [3, 3], stride = [1, 1]} : tensor<Nx4x4x4xf32>
        %gn = groupnorm(%avg, @gn.gamma, @gn.beta) {eps = 1e-05, groups = 2} : tensor<Nx4x4x4xf32>
        %inorm = groupnorm(%gn) {eps = 1e-05, groups = 4} : tensor<Nx4x4x4xf32>
        %pooled = global_avgpool(%inorm) : tensor<Nx4xf32>
        %flat = flatten(%max) : tensor<Nx64xf32>
        %rows = reshape(%flat) {shape = [4, 16]} : tensor<Nx4x16xf32>
        %logits = dense(%flat, @dense.weight, @dense.bias) : tensor<Nx10xf32>
        %leaky = leaky_relu(%logits) {slope = 0.01} : tensor<Nx10xf32>
        %sig = sigmoid(%leaky) : tensor<Nx10xf32>
        %tanh = tanh(%sig) : tensor<Nx10xf32>
        %gelu = gelu(%tanh) {approximate = "tanh"} : tensor<Nx10xf32>
        %elu = elu(%gelu) {alpha = 1.0} : tensor<Nx10xf32>
        %expr = expression(%elu) {derivative = "0.5 * (tanh(x) + 1) + 0.5 * x * (1 - tanh(x) * tanh(x))", expr = "0.5 * x * (tanh(x) + 1)"} : tensor<Nx10xf32>
        %selu = selu(%elu) : tensor<Nx10xf32>
        %celu = celu(%selu) {alpha = 0.8} : tensor<Nx10xf32>
        %silu = silu(%celu) : tensor<Nx10xf32>
        %swish = swish(%silu) {beta = 1.5} : tensor<Nx10xf32>
        %mish = mish(%swish) : tensor<Nx10xf32>
        %elish = elish(%mish) : tensor<Nx10xf32>
        %hard_elish = hard_elish(%elish) : tensor<Nx10xf32>
        %serlu = serlu(%hard_elish) {alpha = 2.90427, lambda = 1.07862} : tensor<Nx10xf32>
        %softplus = softplus(%serlu) {beta = 1.0, threshold = 20.0} : tensor<Nx10xf32>
        %log_sigmoid = log_sigmoid(%softplus) : tensor<Nx10xf32>
        %shifted_relu = shifted_relu(%log_sigmoid) {shift = 0.5} : tensor<Nx10xf32>
        %softsign = softsign(%shifted_relu) : tensor<Nx10xf32>
        %hard_sigmoid = hard_sigmoid(%softsign) : tensor<Nx10xf32>
        %hard_swish = hard_swish(%hard_sigmoid) : tensor<Nx10xf32>
        %hard_tanh = hard_tanh(%hard_swish) {max = 1.0, min = -1.0} : tensor<Nx10xf32>
        %relu6 = relu6(%hard_tanh) : tensor<Nx10xf32>
        %log_softmax = log_softmax(%relu6) {axis = -1} : tensor<Nx10xf32>
        %soft = softmax(%log_softmax) {axis = -1} : tensor<Nx10xf32>
        %drop = dropout(%soft) {rate = 0.5} : tensor<Nx10xf32>
        %proj = dense(%pooled, @proj.weight) : tensor<Nx10xf32>
        %sum = add(%drop, %proj, %logits) : tensor<Nx10xf32>
        %prod = multiply(%sum, %logits) : tensor<Nx10xf32>
        %cat = concat(%prod, %logits) {axis = 0} : tensor<Nx20xf32>
        return %prod, %cat, %rows
      }

      func @sequence(%ids: tensor<Nx6xi32>) -> (tensor<Nx6x8xf32>, tensor<Nx8xf32>) {
        %embed = embedding(%ids, @emb.table) : tensor<Nx6x8xf32>
        %attn = self_attention(%embed, @attn.w_qkv, @attn.b_qkv, @attn.w_out, @attn.b_out) {bias = true, causal = true, dropout = 0.1, heads = 2} : tensor<Nx6x8xf32>
        %norm = layernorm(%attn, @ln.gamma, @ln.beta) {eps = 1e-05} : tensor<Nx6x8xf32>
        %attn-2 = self_attention(%norm, @attn-2.w_qkv, @attn-2.w_out) {bias = false, causal = false, dropout = 0.0, heads = 4} : tensor<Nx6x8xf32>
        %mixed = dense(%attn-2, @seq.weight) : tensor<Nx6x8xf32>
        %mean = global_avgpool(%mixed) : tensor<Nx8xf32>
        return %mixed, %mean
      }

      func @loss(%output: tensor<Nx10xf32>, %target: tensor<Nxi32>) -> (tensor<f32>, tensor<f32>) {
        %balanced = cross_entropy(%output, %target) {class_weights = "balanced", label_smoothing = 0.1} : tensor<f32>
        %weighted = cross_entropy(%output, %target) {class_weights = [1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5], label_smoothing = 0.0} : tensor<f32>
        return %balanced, %weighted
      }

      func @regression(%pred: tensor<Nx3xf32>, %truth: tensor<Nx3xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>) {
        %mse = mse(%pred, %truth) : tensor<f32>
        %mae = mae(%pred, %truth) : tensor<f32>
        %bce = bce_with_logits(%pred, %truth) {pos_weight = 2.0} : tensor<f32>
        return %mse, %mae, %bce
      }
    }

    """

  /// The quantized inference ops (`quantize` pass): u8 activations, i8 and f16 weights.
  static let quantizedOps = """
    module @q {
      param @d.weight : tensor<8x4xi8>
      param @d.weight_scale : tensor<8xf32>
      param @d.bias : tensor<8xf32>
      param @e.weight : tensor<3x8xi8>
      param @e.weight_scale : tensor<3xf32>
      param @c.weight : tensor<2x1x3x3xi8>
      param @c.weight_scale : tensor<2xf32>
      param @h.weight : tensor<3x8xf16>
      param @k.weight : tensor<2x1x3x3xf16>
      param @k.bias : tensor<2xf32>

      func @predict(%x: tensor<Nx4xf32>, %img: tensor<Nx1x5x5xf32>) -> (tensor<Nx3xf32>, tensor<Nx3xf32>, tensor<Nx2x5x5xf32>, tensor<Nx2x5x5xf32>, tensor<Nx3xf32>, tensor<Nx8xf32>) {
        %xq = quantize(%x) {scale = 0.02, zero_point = 128} : tensor<Nx4xu8>
        %d = dense_int8(%xq, @d.weight, @d.weight_scale, @d.bias) {relu = true, x_scale = 0.02, x_zero_point = 128, y_scale = 0.05, y_zero_point = 0} : tensor<Nx8xu8>
        %e = dense_int8(%d, @e.weight, @e.weight_scale) {x_scale = 0.05, x_zero_point = 0} : tensor<Nx3xf32>
        %iq = quantize(%img) {scale = 0.01, zero_point = 3} : tensor<Nx1x5x5xu8>
        %c = conv2d_int8(%iq, @c.weight, @c.weight_scale) {dilation = [1, 1], padding = [1, 1], stride = [1, 1], x_scale = 0.01, x_zero_point = 3} : tensor<Nx2x5x5xf32>
        %k = conv2d_f16(%img, @k.weight, @k.bias) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : tensor<Nx2x5x5xf32>
        %dd = dense_dynamic_int8(%x, @d.weight, @d.weight_scale, @d.bias) : tensor<Nx8xf32>
        %h = dense_f16(%dd, @h.weight) : tensor<Nx3xf32>
        %back = dequantize(%d) {scale = 0.05, zero_point = 0} : tensor<Nx8xf32>
        return %e, %h, %c, %k, %e, %back
      }
    }

    """

  /// Parses a fixture, failing loudly if it does not parse.
  static func module(_ text: String) -> Module {
    do {
      return try parseModule(text)
    } catch {
      fatalError("fixture does not parse: \(error)")
    }
  }
}

/// A type from its short form: `t("Nx64")`, `t("Nx6", .i32)`, `t("")` for a scalar.
func t(_ shape: String, _ element: ElementType = .f32) -> TensorType {
  let dims: [Dim] = shape.split(separator: "x").map { $0 == "N" ? .batch : .fixed(Int($0)!) }
  return TensorType(dims: dims, element: element)
}
