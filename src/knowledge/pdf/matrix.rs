//! The affine matrices of PDF graphics (ISO 32000-1, 8.3.3).
use lopdf::Object;

/// An affine matrix `[a b c d e f]`; `p × M` maps a point as PDF does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Matrix(pub(super) [f32; 6]);

impl Matrix {
    pub(super) const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    pub(super) fn translate(tx: f32, ty: f32) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, tx, ty])
    }

    /// `self × other`: first `self`, then `other`.
    pub(super) fn then(self, other: Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    pub(super) fn origin(self) -> (f32, f32) {
        (self.0[4], self.0[5])
    }

    pub(super) fn from_operands(operands: &[Object]) -> Option<Matrix> {
        let mut m = [0.0; 6];
        for (slot, operand) in m.iter_mut().zip(operands) {
            *slot = operand.as_float().ok()?;
        }
        (operands.len() >= 6).then_some(Matrix(m))
    }
}

#[cfg(test)]
mod tests {
    use super::Matrix;
    use lopdf::Object;

    #[test]
    fn then_applies_the_left_matrix_first() {
        let scale = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let moved = Matrix::translate(10.0, 5.0);
        // Move, then scale: the move is scaled too.
        assert_eq!(moved.then(scale).origin(), (20.0, 10.0));
        assert_eq!(scale.then(moved).origin(), (10.0, 5.0));
        assert_eq!(Matrix::IDENTITY.then(moved), moved);
    }

    #[test]
    fn operands_need_six_numbers() {
        let six: Vec<Object> = [1, 0, 0, 1, 72, 700].map(Object::Integer).to_vec();
        assert_eq!(
            Matrix::from_operands(&six).map(Matrix::origin),
            Some((72.0, 700.0))
        );
        assert_eq!(Matrix::from_operands(&six[..5]), None);
        let mut named = six.clone();
        named[2] = Object::Name(b"X".to_vec());
        assert_eq!(Matrix::from_operands(&named), None);
    }
}
